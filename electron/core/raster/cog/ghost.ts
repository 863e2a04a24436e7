/**
 * GDAL's "ghost" structural metadata, written right after the TIFF header by the COG driver.
 * Readers that see it know that the IFDs come first, that tiles are in row-major order and
 * that each tile is framed by a 4-byte little-endian size (leader) and a copy of its last 4
 * bytes (trailer); GDAL then reports LAYOUT=COG. The trailing space is GDAL's reserved byte and
 * counts in the size, as in the files GDAL writes (SIZE=000140).
 */
export function ghostArea(): Buffer {
  const body =
    'LAYOUT=IFDS_BEFORE_DATA\n' +
    'BLOCK_ORDER=ROW_MAJOR\n' +
    'BLOCK_LEADER=SIZE_AS_UINT4\n' +
    'BLOCK_TRAILER=LAST_4_BYTES_REPEATED\n' +
    'KNOWN_INCOMPATIBLE_EDITION=NO\n' +
    ' ';
  const head = `GDAL_STRUCTURAL_METADATA_SIZE=${String(body.length).padStart(6, '0')} bytes\n`;
  return Buffer.from(head + body, 'latin1');
}

/** Bytes framing each tile: 4-byte leader + 4-byte trailer. */
export const TILE_FRAMING = 8;
