var searchData=
[
  ['cogen_0',['cogen',['../cogen_8h.html#a05f7a3b43e039ba42b4977c8172342c8',1,'cogen.h']]],
  ['cogen_5fbatch_1',['cogen_batch',['../pipe_8h.html#aa25cb02830c7a971471d20f350def268',1,'pipe.h']]],
  ['cogen_5ferr_2',['cogen_err',['../cogen_8h.html#abe2691c6d1f5c5c5f84e5c93b04f1502',1,'cogen.h']]],
  ['cogen_5ffn_3',['cogen_fn',['../cogen_8h.html#a85bda872c5f2f4c8813dabea5c1a714b',1,'cogen.h']]],
  ['cogen_5fopts_4',['cogen_opts',['../cogen_8h.html#aabc06ecb412926b131a0fc298f587cd2',1,'cogen.h']]],
  ['cogen_5fpipe_5',['cogen_pipe',['../pipe_8h.html#ac49f86dfd5e12799184f18b82df94216',1,'pipe.h']]],
  ['cogen_5fsource_5fopts_6',['cogen_source_opts',['../pipe_8h.html#a68859e4590345a6c6082e78c41be5c5d',1,'pipe.h']]],
  ['cogen_5fstr_7',['cogen_str',['../pipe_8h.html#a49f13ff389b83f7699ca791c34c4660f',1,'pipe.h']]],
  ['cogen_5fstrlist_8',['cogen_strlist',['../pipe_8h.html#a92bbcc8dc0b35fb6afbb3cd4039d64df',1,'pipe.h']]],
  ['cogen_5funraisable_5ffn_9',['cogen_unraisable_fn',['../cogen_8h.html#ac7ebd8ed26f65031242caf0befdc44ca',1,'cogen.h']]]
];
