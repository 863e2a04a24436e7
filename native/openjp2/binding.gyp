{
  # Built by scripts/build-native.mjs (never by npm's default install step): that script finds
  # OpenJPEG's headers and passes their folder as openjp2_include, and skips the build without them.
  'variables': {
    'openjp2_include%': '/usr/include/openjpeg-2.5',
    'openjp2_libdir%': '',
  },
  'targets': [
    {
      'target_name': 'openjp2',
      'sources': ['src/openjp2.c'],
      'include_dirs': ['<(openjp2_include)'],
      'cflags': ['-O2', '-Wall', '-Wextra', '-Wno-unused-parameter'],
      'defines': ['NAPI_VERSION=8'],
      'conditions': [
        ['openjp2_libdir!=""', { 'libraries': ['-L<(openjp2_libdir)', '-lopenjp2'] }, { 'libraries': ['-lopenjp2'] }],
        ['OS=="mac"', { 'xcode_settings': { 'OTHER_CFLAGS': ['-O2'] } }],
      ],
    },
  ],
}
