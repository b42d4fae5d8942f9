<?php
/**
 * Plugin Name:       Starling bridge
 * Description:       The Starling widget for your readers: one switch that turns their browser into an encrypted bridge for people behind censorship. Shortcode [starling_bridge] and a block.
 * Version:           0.1.0
 * Requires at least: 6.3
 * Requires PHP:      7.4
 * License:           MIT
 * Text Domain:       starling-bridge
 *
 * The plugin ships the widget's script under its versioned name with the build's manifest
 * (assets/starling-bridge.VERSION.js and assets/manifest.json, put there by `npm run build:wordpress`), loads it
 * with its Subresource Integrity value, and only prints the <starling-bridge> element with the site's settings as data-* attributes
 * (docs/widget.md). It makes no request of its own; the widget contacts the broker only once a reader
 * switches it on.
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

define( 'STARLING_BRIDGE_VERSION', '0.1.0' );
define( 'STARLING_BRIDGE_FILE', __FILE__ );

require_once __DIR__ . '/includes/settings.php';
require_once __DIR__ . '/includes/render.php';

add_action( 'init', 'starling_bridge_init' );
add_action( 'admin_init', 'starling_bridge_register_setting' );
add_action( 'admin_menu', 'starling_bridge_admin_menu' );

/**
 * The widget's script as the build left it in assets/: its versioned file name and its integrity value, from
 * assets/manifest.json (docs/widget.md). Null when the manifest is missing or unusable (a plugin copied from
 * a source checkout rather than built): then no script is registered, and the element stays inert.
 *
 * @return array|null Keys file, integrity.
 */
function starling_bridge_asset() {
	$path = __DIR__ . '/assets/manifest.json';
	$json = is_readable( $path ) ? json_decode( (string) file_get_contents( $path ), true ) : null;
	if ( ! is_array( $json ) || ! isset( $json['file'], $json['integrity'] ) ) {
		return null;
	}
	if ( ! preg_match( '/^starling-bridge\.[0-9A-Za-z.+-]+\.js$/', $json['file'] ) || ! preg_match( '/^sha384-[A-Za-z0-9+\/]+={0,2}$/', $json['integrity'] ) ) {
		return null;
	}
	return array(
		'file'      => $json['file'],
		'integrity' => $json['integrity'],
	);
}

/** Registers the widget's script (enqueued only where an element is rendered), the shortcode and the block. */
function starling_bridge_init() {
	$asset = starling_bridge_asset();
	if ( null !== $asset ) {
		// The file name carries the version, so the ?ver= query WordPress adds is not needed for caches.
		wp_register_script(
			'starling-bridge',
			plugins_url( 'assets/' . $asset['file'], STARLING_BRIDGE_FILE ),
			array(),
			null,
			array(
				'in_footer' => true,
				'strategy'  => 'defer',
			)
		);
		add_filter( 'script_loader_tag', 'starling_bridge_script_tag', 10, 2 );
	}
	add_shortcode( 'starling_bridge', 'starling_bridge_shortcode' );
	register_block_type( __DIR__ . '/block', array( 'render_callback' => 'starling_bridge_render_block' ) );
}

/**
 * Adds the widget's integrity value (and crossorigin, which Subresource Integrity needs when the plugin's files
 * are served from another origin, a CDN say) to its script tag, and only to its.
 *
 * @param string $tag    The <script> element WordPress is about to print.
 * @param string $handle Its handle.
 * @return string
 */
function starling_bridge_script_tag( $tag, $handle ) {
	$asset = starling_bridge_asset();
	if ( 'starling-bridge' !== $handle || null === $asset || false !== strpos( $tag, ' integrity=' ) ) {
		return $tag;
	}
	return preg_replace(
		'/<script(?=[\s>])/',
		'<script integrity="' . esc_attr( $asset['integrity'] ) . '" crossorigin="anonymous"',
		$tag,
		1
	);
}
