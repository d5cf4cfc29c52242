var searchData=
[
  ['cogen_5ferrno_5fmap_0',['COGEN_ERRNO_MAP',['../errors_8h.html#ae6e33af2fd2aa529ec07b5ac59a6ee81a102debc1a77800f785c09c9a5a1d5208',1,'errors.h']]]
];
