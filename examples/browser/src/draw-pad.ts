/**
 * A canvas to draw a digit on with a mouse, a pen or a finger (pointer events cover all three):
 * white strokes on black, as MNIST's digits are. `onChange` fires at most once per animation frame
 * while drawing, with the picture as 28×28 MNIST-style bytes.
 */
import { SIDE, toMnistBytes } from './preprocess.js';

export class DrawPad {
  private readonly ctx: CanvasRenderingContext2D;
  private drawing = false;
  private last: { x: number; y: number } | null = null;
  private frameAsked = false;
  /** Whether anything has been drawn since the last clear. */
  blank = true;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onChange: (pixels: Uint8Array) => void,
  ) {
    this.ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.drawing = true;
      this.last = null;
      this.strokeTo(e);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (this.drawing) this.strokeTo(e);
    });
    for (const type of ['pointerup', 'pointercancel'] as const) {
      canvas.addEventListener(type, () => {
        this.drawing = false;
        this.last = null;
      });
    }
  }

  clear(): void {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.blank = true;
  }

  /** Shows a `[28, 28]` byte image (a test digit) scaled up to fill the pad. */
  show(pixels: Uint8Array): void {
    const small = new ImageData(SIDE, SIDE);
    for (let i = 0; i < SIDE * SIDE; i++) small.data.set([pixels[i]!, pixels[i]!, pixels[i]!, 255], i * 4);
    const tmp = document.createElement('canvas');
    [tmp.width, tmp.height] = [SIDE, SIDE];
    tmp.getContext('2d')!.putImageData(small, 0, 0);
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.drawImage(tmp, 0, 0, this.canvas.width, this.canvas.height);
    this.blank = false;
  }

  /** The picture as 28×28 MNIST-style bytes. */
  pixels(): Uint8Array {
    const { width, height } = this.canvas;
    return toMnistBytes(this.ctx.getImageData(0, 0, width, height).data, width, height, 4);
  }

  private strokeTo(e: PointerEvent): void {
    const rect = this.canvas.getBoundingClientRect();
    const x = ((e.clientX - rect.left) * this.canvas.width) / rect.width;
    const y = ((e.clientY - rect.top) * this.canvas.height) / rect.height;
    const from = this.last ?? { x, y };
    const ctx = this.ctx;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = this.canvas.width / 12;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(x + 0.01, y); // a zero-length line draws no round cap
    ctx.stroke();
    this.last = { x, y };
    this.blank = false;
    if (!this.frameAsked) {
      this.frameAsked = true;
      requestAnimationFrame(() => {
        this.frameAsked = false;
        this.onChange(this.pixels());
      });
    }
  }
}
