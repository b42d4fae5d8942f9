<?php
/** Removes the plugin's only stored data, its settings, when the plugin is deleted. */

if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

delete_option( 'starling_bridge_settings' );
