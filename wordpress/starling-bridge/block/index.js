// The Starling bridge block in the editor, plain JS over WordPress's globals (no build step). The page gets
// the element from the server (includes/render.php); the editor shows a placeholder and the per-block
// layout, theme and language (empty: the site's settings).
((blocks, element, blockEditor, components, i18n) => {
  const el = element.createElement;
  const __ = i18n.__;
  const choice = (label, value, options, onChange) =>
    el(components.SelectControl, {
      label,
      value,
      options: [{ label: __('Site setting', 'starling-bridge'), value: '' }].concat(
        options.map((o) => ({ label: o, value: o })),
      ),
      onChange,
      __nextHasNoMarginBottom: true,
    });

  blocks.registerBlockType('starling/bridge', {
    edit: (props) => {
      const a = props.attributes;
      const set = (key) => (value) => props.setAttributes({ [key]: value });
      return el(
        'div',
        blockEditor.useBlockProps(),
        el(
          blockEditor.InspectorControls,
          null,
          el(
            components.PanelBody,
            { title: __('Starling bridge', 'starling-bridge') },
            choice(__('Layout', 'starling-bridge'), a.layout, ['panel', 'banner', 'floating'], set('layout')),
            choice(__('Theme', 'starling-bridge'), a.theme, ['auto', 'light', 'dark'], set('theme')),
            el(components.TextControl, {
              label: __('Language', 'starling-bridge'),
              value: a.lang,
              onChange: set('lang'),
              __nextHasNoMarginBottom: true,
            }),
          ),
        ),
        el(
          components.Placeholder,
          { icon: 'admin-site-alt3', label: __('Starling bridge', 'starling-bridge') },
          __(
            'Readers see the switch here. Broker and egress: Settings > Starling bridge.',
            'starling-bridge',
          ),
        ),
      );
    },
    save: () => null,
  });
})(window.wp.blocks, window.wp.element, window.wp.blockEditor, window.wp.components, window.wp.i18n);
