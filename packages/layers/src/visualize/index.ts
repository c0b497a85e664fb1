export {
  createImage,
  setPixel,
  fillRect,
  drawLine,
  drawText,
  drawTextVertical,
  WHITE,
  BLACK,
  type RgbaImage,
  type Color,
} from './image.js';
export { filtersToImage, featureMapsToImage, normalizeToBytes, type GridOptions } from './grid.js';
export { lineChart, niceTicks, type Series, type LineChartOptions } from './line-chart.js';
export { makeGrid, tensorToImage, type MakeGridOptions } from './make-grid.js';
