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
 * The plugin ships the widget's script (assets/starling-bridge.js, put there by `npm run build:wordpress`)
 * and only prints the <starling-bridge> element with the site's settings as data-* attributes
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

/** Registers the widget's script (enqueued only where an element is rendered), the shortcode and the block. */
function starling_bridge_init() {
	wp_register_script(
		'starling-bridge',
		plugins_url( 'assets/starling-bridge.js', STARLING_BRIDGE_FILE ),
		array(),
		STARLING_BRIDGE_VERSION,
		array(
			'in_footer' => true,
			'strategy'  => 'defer',
		)
	);
	add_shortcode( 'starling_bridge', 'starling_bridge_shortcode' );
	register_block_type( __DIR__ . '/block', array( 'render_callback' => 'starling_bridge_render_block' ) );
}
