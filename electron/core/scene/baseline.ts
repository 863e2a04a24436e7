import { S2Error } from '../errors.js';

/** The newest processing-baseline major version this reader was checked against (05.xx, 2023-2025). */
export const KNOWN_MAJOR = 5;
/**
 * Majors up to this one open with a warning: ESA keeps offsets and quantification in the metadata,
 * which we read rather than assume, so a next major is most likely readable. Beyond it, or when
 * the value is not 'NN.NN', the metadata is not what we think it is and we refuse.
 */
export const PLAUSIBLE_MAJOR = 9;

export interface Baseline {
  text: string;
  major: number;
  minor: number;
  /** Set when the baseline is newer than KNOWN_MAJOR. */
  warning?: string;
}

/** Parses PROCESSING_BASELINE ('05.10'); throws UNKNOWN_BASELINE when missing, malformed or implausible. */
export function parseBaseline(value: string, file: string): Baseline {
  const m = /^(\d{2})\.(\d{2})$/.exec(value.trim());
  if (!m) {
    const what =
      value.trim() === '' ? 'has no PROCESSING_BASELINE' : `has processing baseline '${value.trim()}'`;
    throw new S2Error(
      'UNKNOWN_BASELINE',
      `${file} ${what}; expected a value like '05.10'. The radiometric offsets cannot be trusted, so the product is not opened.`,
      { file, details: { baseline: value } },
    );
  }
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major > PLAUSIBLE_MAJOR) {
    throw new S2Error(
      'UNKNOWN_BASELINE',
      `${file} has processing baseline ${value}, newer than any this version understands (up to 0${KNOWN_MAJOR}.xx).`,
      { file, details: { baseline: value } },
    );
  }
  const out: Baseline = { text: value.trim(), major, minor };
  if (major > KNOWN_MAJOR) {
    out.warning =
      `Processing baseline ${out.text} is newer than those this version was checked against (up to 0${KNOWN_MAJOR}.xx): ` +
      'offsets and quantification are read from the metadata, but check the reflectances.';
  }
  return out;
}

/** Baselines from 04.00 (January 2022) add RADIO_ADD_OFFSET / BOA_ADD_OFFSET (-1000) to the DN. */
export function hasOffsets(b: Baseline): boolean {
  return b.major >= 4;
}
