<?php
/**
 * Loads the plugin with the few WordPress functions it calls stubbed the way WordPress behaves (escaping
 * included), runs one scenario read as JSON from stdin, and prints what happened as JSON. Used by
 * plugin.test.ts:  php test/wordpress/harness.php < scenario.json
 *
 * Scenario: { "options": {...stored option...}, "can": true,
 *             "run": "shortcode"|"block"|"sanitize"|"page"|"tags", "atts": {...}, "input": {...},
 *             "plugin": "/path/to/starling-bridge" (default: the source tree's) }
 */

define( 'ABSPATH', __DIR__ . '/' );

$scenario = json_decode( stream_get_contents( STDIN ), true );
$log      = array(
	'actions'    => array(),
	'shortcodes' => array(),
	'blocks'     => array(),
	'scripts'    => array(),
	'filters'    => array(),
	'enqueued'   => array(),
	'errors'     => array(),
	'nonces'     => 0,
);

function add_filter( $hook, $callback, $priority = 10, $args = 1 ) {
	$GLOBALS['log']['filters'][ $hook ][] = $callback;
}
function apply_filters( $hook, $value, ...$args ) {
	foreach ( $GLOBALS['log']['filters'][ $hook ] ?? array() as $callback ) {
		$value = $callback( $value, ...$args );
	}
	return $value;
}
function add_action( $hook, $callback ) {
	$GLOBALS['log']['actions'][ $hook ][] = $callback;
}
function do_action( $hook ) {
	foreach ( $GLOBALS['log']['actions'][ $hook ] ?? array() as $callback ) {
		$callback();
	}
}
function add_shortcode( $tag, $callback ) {
	$GLOBALS['log']['shortcodes'][ $tag ] = $callback;
}
function register_block_type( $path, $args ) {
	$meta                                     = json_decode( file_get_contents( $path . '/block.json' ), true );
	$GLOBALS['log']['blocks'][ $meta['name'] ] = $args['render_callback'];
}
function wp_register_script( $handle, $src, $deps, $ver, $args ) {
	$GLOBALS['log']['scripts'][ $handle ] = array( 'src' => $src, 'ver' => $ver, 'args' => $args );
}
function wp_enqueue_script( $handle ) {
	$GLOBALS['log']['enqueued'][] = $handle;
}
function plugins_url( $path, $file ) {
	return 'https://news.example/wp-content/plugins/' . basename( dirname( $file ) ) . '/' . $path;
}
function get_option( $name, $fallback = false ) {
	return 'starling_bridge_settings' === $name && isset( $GLOBALS['scenario']['options'] ) ? $GLOBALS['scenario']['options'] : $fallback;
}
function shortcode_atts( $pairs, $atts, $shortcode = '' ) {
	$out = array();
	foreach ( $pairs as $name => $default ) {
		$out[ $name ] = array_key_exists( $name, $atts ) ? $atts[ $name ] : $default;
	}
	return $out;
}
function esc_attr( $text ) {
	return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8', false );
}
function esc_html( $text ) {
	return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8', false );
}
/** As WordPress's: other schemes give '', characters a URL cannot hold are dropped, & and ' are encoded. */
function esc_url( $url, $protocols = array( 'http', 'https' ) ) {
	$url = preg_replace( '|[^a-z0-9-~+_.?#=!&;,/:%@$\|*\'()\[\]\\x80-\\xff]|i', '', str_replace( ' ', '%20', trim( $url ) ) );
	if ( ! preg_match( '/^([a-z][a-z0-9+.-]*):/i', $url, $m ) || ! in_array( strtolower( $m[1] ), $protocols, true ) ) {
		return '';
	}
	return str_replace( array( '&amp;', '&', "'" ), array( '&#038;', '&#038;', '&#039;' ), $url );
}
function wp_parse_url( $url ) {
	return parse_url( $url );
}
function wp_unslash( $value ) {
	return stripslashes( $value );
}
function __( $text, $domain ) {
	return $text;
}
function esc_html__( $text, $domain ) {
	return esc_html( $text );
}
function add_settings_error( $setting, $code, $message ) {
	$GLOBALS['log']['errors'][] = $code;
}
function current_user_can( $capability ) {
	return 'manage_options' === $capability && true === $GLOBALS['scenario']['can'];
}
function wp_die( $message, $status ) {
	echo json_encode( array( 'died' => $status ) );
	exit( 0 );
}
function settings_fields( $group ) {
	++$GLOBALS['log']['nonces'];
	echo '<input type="hidden" name="option_page" value="' . esc_attr( $group ) . '"><input type="hidden" name="_wpnonce" value="stub">';
}
function settings_errors( $setting ) {}
function admin_url( $path ) {
	return 'https://news.example/wp-admin/' . $path;
}
function selected( $a, $b, $echo ) {
	return (string) $a === (string) $b ? ' selected' : '';
}
function add_options_page( $page_title, $menu_title, $capability, $slug, $callback ) {
	$GLOBALS['log']['menu'] = array( 'capability' => $capability, 'callback' => $callback );
}
function register_setting( $group, $name, $args ) {
	$GLOBALS['log']['setting'] = array( 'group' => $group, 'name' => $name, 'sanitize' => $args['sanitize_callback'] );
}
function submit_button() {
	echo '<button type="submit">Save</button>';
}

require ( $scenario['plugin'] ?? dirname( __DIR__, 2 ) . '/wordpress/starling-bridge' ) . '/starling-bridge.php';
do_action( 'init' );

$result = array();
switch ( $scenario['run'] ) {
	case 'shortcode':
		$result['html'] = $log['shortcodes']['starling_bridge']( $scenario['atts'] ?? '' );
		break;
	case 'tags':
		// The tags WordPress would print for the widget's script and for another one, through the filter.
		foreach ( array( 'starling-bridge', 'other' ) as $handle ) {
			$src                      = $log['scripts'][ $handle ]['src'] ?? 'https://news.example/other.js';
			$tag                      = '<script src="' . esc_attr( $src ) . '" id="' . $handle . '-js" defer data-wp-strategy="defer"></script>';
			$result['tags'][ $handle ] = apply_filters( 'script_loader_tag', $tag, $handle, $src );
		}
		break;
	case 'block':
		$result['html'] = $log['blocks']['starling/bridge']( $scenario['atts'] ?? array(), '' );
		break;
	case 'sanitize':
		$result['saved'] = starling_bridge_sanitize( $scenario['input'] );
		break;
	case 'page':
		do_action( 'admin_init' );
		do_action( 'admin_menu' );
		ob_start();
		starling_bridge_settings_page();
		$result['html'] = ob_get_clean();
		break;
}
unset( $log['filters'] );
echo json_encode( $result + $log );
