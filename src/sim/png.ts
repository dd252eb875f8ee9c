/**
 * Rasterises an SVG to PNG with resvg (the `@resvg/resvg-js` package ships prebuilt binaries
 * inside npm packages, so nothing is downloaded at install time). Loaded lazily: a machine
 * where the binding cannot load still gets the SVG, and `svgToPng` says why it gave up.
 */
export async function svgToPng(svg: string, widthPx = 1200): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  const r = new Resvg(svg, {
    fitTo: { mode: 'width', value: widthPx },
    background: '#ffffff',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return r.render().asPng();
}
