<?php
/**
 * The one place that prints <starling-bridge>: the shortcode [starling_bridge layout="banner" theme="dark"
 * lang="fa"] and the block both come here. Site settings give broker and egress; layout, theme and language
 * may be chosen per use and fall back to the site's. Every value is checked again and escaped on output.
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * The element for these per-use choices (layout, theme, lang); unusable choices fall back to the site's.
 *
 * @param array $choices Keys layout, theme, lang; anything else is ignored.
 * @return string HTML.
 */
function starling_bridge_render( $choices ) {
	$settings = starling_bridge_settings();
	foreach ( array( 'layout', 'theme', 'lang' ) as $key ) {
		$value = isset( $choices[ $key ] ) && is_string( $choices[ $key ] ) ? trim( $choices[ $key ] ) : '';
		if ( '' !== $value && starling_bridge_is_valid( $key, $value ) ) {
			$settings[ $key ] = $value;
		}
	}
	wp_enqueue_script( 'starling-bridge' );

	$egress = array();
	foreach ( preg_split( '/\s+/', $settings['egress'], -1, PREG_SPLIT_NO_EMPTY ) as $url ) {
		$clean = esc_url( $url, array( 'ws', 'wss' ) );
		if ( '' !== $clean ) {
			$egress[] = $clean;
		}
	}
	$attributes = array(
		'data-broker' => esc_url( $settings['broker'], array( 'http', 'https' ) ),
		'data-egress' => implode( ' ', $egress ),
		'data-layout' => $settings['layout'],
		'data-theme'  => $settings['theme'],
		'data-lang'   => $settings['lang'],
	);
	$html = '<starling-bridge';
	foreach ( $attributes as $name => $value ) {
		if ( '' !== $value ) {
			$html .= ' ' . $name . '="' . esc_attr( $value ) . '"';
		}
	}
	return $html . '></starling-bridge>';
}

/**
 * [starling_bridge layout="..." theme="..." lang="..."]
 *
 * @param array|string $atts Shortcode attributes (a string when none are given).
 * @return string HTML.
 */
function starling_bridge_shortcode( $atts ) {
	$atts = shortcode_atts(
		array(
			'layout' => '',
			'theme'  => '',
			'lang'   => '',
		),
		is_array( $atts ) ? $atts : array(),
		'starling_bridge'
	);
	return starling_bridge_render( $atts );
}

/**
 * The block's server-side render (block/block.json).
 *
 * @param array $attributes The block's attributes: layout, theme, lang.
 * @return string HTML.
 */
function starling_bridge_render_block( $attributes ) {
	return starling_bridge_render( is_array( $attributes ) ? $attributes : array() );
}
