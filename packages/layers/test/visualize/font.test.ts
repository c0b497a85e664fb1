import { visualize } from '@torchlet/layers';
import { describe, expect, it } from 'vitest';

/** The pixels `text` sets, as a string of 0/1 rows: what a reader sees. */
function render(text: string): string {
  const img = visualize.createImage(6 * text.length + 2, 9);
  visualize.drawText(img, text, 1, 1, [0, 0, 0]);
  const rows: string[] = [];
  for (let y = 0; y < img.height; y++) {
    let row = '';
    for (let x = 0; x < img.width; x++) row += img.data[(y * img.width + x) * 4] === 0 ? '1' : '0';
    rows.push(row);
  }
  return rows.join('\n');
}

describe('bitmap font', () => {
  it('small letters are their own glyphs, not capitals', () => {
    for (const ch of 'abcdefghijklmnopqrstuvwxyz') {
      expect(render(ch), ch).not.toBe(render(ch.toUpperCase()));
      expect(render(ch), ch).not.toBe(render('\u0001')); // not the missing-glyph box
    }
    expect(new Set('abcdefghijklmnopqrstuvwxyz'.split('').map(render)).size).toBe(26);
  });

  it('digits and punctuation used by labels all have glyphs', () => {
    const box = render('\u0001');
    for (const ch of '0123456789.,:;-+=/()[]%#_×!?\'"<>*|^&@~−·±≤≥') expect(render(ch), ch).not.toBe(box);
  });

  it('x-height: an x sits lower than an X (its top two rows are empty)', () => {
    const rows = render('x').split('\n');
    expect(rows[1]).toMatch(/^0+$/);
    expect(rows[2]).toMatch(/^0+$/);
    expect(render('X').split('\n')[1]).toMatch(/1/);
  });
});
