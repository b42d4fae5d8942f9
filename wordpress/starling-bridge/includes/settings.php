<?php
/**
 * The site's settings (Settings > Starling bridge): broker, egress, layout, theme, language, in one option.
 * Only users who may manage options see or change them; the Settings API adds and checks the nonce
 * (settings_fields() here, check_admin_referer() in options.php). A value that cannot work is refused with
 * a message and the previous one is kept.
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

define( 'STARLING_BRIDGE_OPTION', 'starling_bridge_settings' );

/** Layouts and themes the widget knows (src/widget/settings.ts). */
function starling_bridge_choices() {
	return array(
		'layout' => array( 'panel', 'banner', 'floating' ),
		'theme'  => array( 'auto', 'light', 'dark' ),
	);
}

/** The settings with their defaults (no broker: the widget then says it is not set up). */
function starling_bridge_settings() {
	$defaults = array(
		'broker' => '',
		'egress' => '',
		'layout' => 'panel',
		'theme'  => 'auto',
		'lang'   => '',
	);
	$stored   = get_option( STARLING_BRIDGE_OPTION, array() );
	$settings = $defaults;
	foreach ( $defaults as $key => $default ) {
		if ( is_array( $stored ) && isset( $stored[ $key ] ) && is_string( $stored[ $key ] ) ) {
			$settings[ $key ] = $stored[ $key ];
		}
	}
	return $settings;
}

/**
 * Whether $value is usable for $key: a layout or theme the widget knows, or a language tag.
 *
 * @param string $key   layout, theme or lang.
 * @param string $value The value.
 * @return bool
 */
function starling_bridge_is_valid( $key, $value ) {
	$choices = starling_bridge_choices();
	if ( isset( $choices[ $key ] ) ) {
		return in_array( $value, $choices[ $key ], true );
	}
	return 'lang' === $key && 1 === preg_match( '/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/', $value );
}

/**
 * Whether $url is an absolute URL with one of $schemes and a host.
 *
 * @param string   $url     The URL.
 * @param string[] $schemes Allowed schemes.
 * @return bool
 */
function starling_bridge_is_url( $url, $schemes ) {
	$parts = wp_parse_url( $url );
	return is_array( $parts ) && isset( $parts['scheme'], $parts['host'] )
		&& in_array( strtolower( $parts['scheme'] ), $schemes, true ) && ! preg_match( '/[\s"\'<>]/', $url );
}

/**
 * The settings form's sanitize callback: keeps what is usable, refuses the rest with a message.
 *
 * @param mixed $input The submitted values.
 * @return array The settings to store.
 */
function starling_bridge_sanitize( $input ) {
	$old   = starling_bridge_settings();
	$input = is_array( $input ) ? $input : array();
	$out   = $old;
	$field = function ( $key ) use ( $input ) {
		return isset( $input[ $key ] ) && is_string( $input[ $key ] ) ? trim( wp_unslash( $input[ $key ] ) ) : '';
	};

	$broker = $field( 'broker' );
	if ( '' === $broker || starling_bridge_is_url( $broker, array( 'http', 'https' ) ) ) {
		$out['broker'] = $broker;
	} else {
		add_settings_error( STARLING_BRIDGE_OPTION, 'broker', __( 'The broker must be an https:// (or http://) URL; the previous one is kept.', 'starling-bridge' ) );
	}

	$egress = preg_split( '/\s+/', $field( 'egress' ), -1, PREG_SPLIT_NO_EMPTY );
	$bad    = array_filter(
		$egress,
		function ( $url ) {
			return ! starling_bridge_is_url( $url, array( 'ws', 'wss' ) );
		}
	);
	if ( count( $bad ) > 0 || count( $egress ) > 16 ) {
		add_settings_error( STARLING_BRIDGE_OPTION, 'egress', __( 'Egress URLs must be at most 16 wss:// (or ws://) URLs, separated by spaces; the previous ones are kept.', 'starling-bridge' ) );
	} else {
		$out['egress'] = implode( ' ', $egress );
	}

	foreach ( array( 'layout', 'theme', 'lang' ) as $key ) {
		$value = $field( $key );
		if ( ( 'lang' === $key && '' === $value ) || starling_bridge_is_valid( $key, $value ) ) {
			$out[ $key ] = $value;
		} else {
			/* translators: %s: the setting's name (layout, theme or lang). */
			add_settings_error( STARLING_BRIDGE_OPTION, $key, sprintf( __( 'The %s is not one the widget knows; the previous one is kept.', 'starling-bridge' ), $key ) );
		}
	}
	return $out;
}

function starling_bridge_register_setting() {
	register_setting(
		'starling_bridge',
		STARLING_BRIDGE_OPTION,
		array(
			'type'              => 'array',
			'sanitize_callback' => 'starling_bridge_sanitize',
			'default'           => array(),
		)
	);
}

function starling_bridge_admin_menu() {
	add_options_page(
		__( 'Starling bridge', 'starling-bridge' ),
		__( 'Starling bridge', 'starling-bridge' ),
		'manage_options',
		'starling-bridge',
		'starling_bridge_settings_page'
	);
}

/**
 * One text field of the form.
 *
 * @param string $key   Setting key.
 * @param string $label Visible label.
 * @param string $help  Help text.
 * @param string $value Current value.
 */
function starling_bridge_text_field( $key, $label, $help, $value ) {
	$id = 'starling-bridge-' . $key;
	echo '<tr><th scope="row"><label for="' . esc_attr( $id ) . '">' . esc_html( $label ) . '</label></th><td>';
	echo '<input type="text" class="regular-text code" id="' . esc_attr( $id ) . '" name="' . esc_attr( STARLING_BRIDGE_OPTION . '[' . $key . ']' ) . '" value="' . esc_attr( $value ) . '">';
	echo '<p class="description">' . esc_html( $help ) . '</p></td></tr>';
}

/**
 * One select of the form.
 *
 * @param string   $key     Setting key.
 * @param string   $label   Visible label.
 * @param string[] $choices Allowed values.
 * @param string   $value   Current value.
 */
function starling_bridge_select_field( $key, $label, $choices, $value ) {
	$id = 'starling-bridge-' . $key;
	echo '<tr><th scope="row"><label for="' . esc_attr( $id ) . '">' . esc_html( $label ) . '</label></th><td>';
	echo '<select id="' . esc_attr( $id ) . '" name="' . esc_attr( STARLING_BRIDGE_OPTION . '[' . $key . ']' ) . '">';
	foreach ( $choices as $choice ) {
		echo '<option value="' . esc_attr( $choice ) . '"' . selected( $value, $choice, false ) . '>' . esc_html( $choice ) . '</option>';
	}
	echo '</select></td></tr>';
}

function starling_bridge_settings_page() {
	if ( ! current_user_can( 'manage_options' ) ) {
		wp_die( esc_html__( 'You are not allowed to change these settings.', 'starling-bridge' ), 403 );
	}
	$settings = starling_bridge_settings();
	$choices  = starling_bridge_choices();
	echo '<div class="wrap"><h1>' . esc_html__( 'Starling bridge', 'starling-bridge' ) . '</h1>';
	echo '<p>' . esc_html__( 'Put [starling_bridge] in a post or page, or add the Starling bridge block, where the switch should appear.', 'starling-bridge' ) . '</p>';
	settings_errors( STARLING_BRIDGE_OPTION );
	echo '<form method="post" action="' . esc_url( admin_url( 'options.php' ) ) . '">';
	settings_fields( 'starling_bridge' );
	echo '<table class="form-table" role="presentation">';
	starling_bridge_text_field( 'broker', __( 'Broker', 'starling-bridge' ), __( 'The broker URL, e.g. https://broker.example.org/', 'starling-bridge' ), $settings['broker'] );
	starling_bridge_text_field( 'egress', __( 'Egress', 'starling-bridge' ), __( 'The egress URLs readers may relay to, e.g. wss://egress.example.org/ (space-separated; empty: the broker\'s list).', 'starling-bridge' ), $settings['egress'] );
	starling_bridge_select_field( 'layout', __( 'Layout', 'starling-bridge' ), $choices['layout'], $settings['layout'] );
	starling_bridge_select_field( 'theme', __( 'Theme', 'starling-bridge' ), $choices['theme'], $settings['theme'] );
	starling_bridge_text_field( 'lang', __( 'Language', 'starling-bridge' ), __( 'A language tag such as fa or zh-CN; empty: the page\'s language, then the reader\'s browser.', 'starling-bridge' ), $settings['lang'] );
	echo '</table>';
	submit_button();
	echo '</form></div>';
}
