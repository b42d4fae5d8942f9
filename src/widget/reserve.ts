/**
 * CSS for the page, not the widget: reserves `<starling-bridge>`'s room before its script runs, so that the
 * article below it does not move when the element upgrades (docs/widget.md, "No layout shift"). The
 * heights are the tallest the widget gets, off or on, in any of its languages, at the viewport's width (the
 * banner stacks below 44rem, the panel is at most 34rem wide): a column narrower than the viewport needs
 * larger values, a site in one language may take smaller ones. The floating layout takes no room in the
 * page. The build writes this to dist/widget/starling-bridge.css.
 */
export const RESERVE_CSS = `starling-bridge{display:block;min-height:40rem}
starling-bridge[data-layout=banner]{min-height:31rem}
starling-bridge[data-layout=floating]{min-height:0}
@media (min-width:30rem){starling-bridge{min-height:27.5rem}starling-bridge[data-layout=banner]{min-height:19.5rem}}
@media (min-width:40rem){starling-bridge{min-height:23.5rem}starling-bridge[data-layout=banner]{min-height:15.5rem}}
@media (min-width:60rem){starling-bridge[data-layout=banner]{min-height:13rem}}
@media (min-width:75rem){starling-bridge[data-layout=banner]{min-height:9.5rem}}
`;
