import { describe, expect, it } from 'vitest';
import { csvField, csvHeader, csvRows, jsonRows } from '../../src/jobs/export-format.js';

const record = {
  id: 'RXhwZW5zZTox',
  date: '2026-01-02',
  amount: '12.50',
  currency: 'USD',
  description: 'Lunch, "the good one"\nwith friends',
  merchant: null,
  category: 'Food',
  categorySource: 'MANUAL',
};

describe('CSV (RFC 4180)', () => {
  it('quotes fields with commas, quotes or line breaks and doubles quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvField(null)).toBe('');
  });

  it('neutralizes formulas a spreadsheet would run, and starts with a BOM', () => {
    const attack = { ...record, description: '=HYPERLINK("http://evil.example","x")' };
    const line = csvRows([attack, { ...record, merchant: '+1+1', category: '@SUM(A1)' }]);
    expect(line).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(line).toContain(",'+1+1,'@SUM(A1),");
    expect(line).not.toMatch(/(^|,)[=+@]/m);
    expect(csvHeader().startsWith('\uFEFFid,date,amount')).toBe(true);
  });

  it('ends every record with CRLF', () => {
    expect(csvRows([record])).toBe(
      'RXhwZW5zZTox,2026-01-02,12.50,USD,"Lunch, ""the good one""\nwith friends",,Food,MANUAL\r\n',
    );
  });
});

describe('JSON batches', () => {
  it('join into one array', () => {
    const text = `${jsonRows([record], true)}${jsonRows([{ ...record, id: 'x' }], false)}\n]`;
    expect(JSON.parse(text).map((r: { id: string }) => r.id)).toEqual(['RXhwZW5zZTox', 'x']);
  });
});
