/* SPDX-License-Identifier: MIT */
/* Lua 5.4 and LuaJIT 2.1 coroutines, driven from the C API: the body is a
 * Lua function calling coroutine.yield, resumed with lua_resume. One
 * source, built once per interpreter (BENCH_PEER). Values are integers. */
#include "../bench.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#if LUA_VERSION_NUM >= 504
#define RESUME(co, from, narg, nres) lua_resume(co, from, narg, nres)
#else
static int resume51(lua_State *co, int narg, int *nres)
{
    int rc = lua_resume(co, narg);
    *nres = lua_gettop(co);
    return rc;
}
#define RESUME(co, from, narg, nres) ((void)(from), resume51(co, narg, nres))
#endif

static lua_State *L;
static int echo_ref, once_ref, parked_ref;

static const char *src_echo = "return function(v) while true do v = coroutine.yield(v + 1) end end";
static const char *src_once = "return function(v) return v end";
static const char *src_parked =
    "return function(v) local x <close> = setmetatable({}, {__close = function() end}) "
    "coroutine.yield(v) end";

static int load(const char *src)
{
    if (luaL_loadstring(L, src) != 0 || lua_pcall(L, 0, 1, 0) != 0) {
        fprintf(stderr, "lua: %s\n", lua_tostring(L, -1));
        exit(1);
    }
    return luaL_ref(L, LUA_REGISTRYINDEX);
}

/* A new coroutine running function `ref`, resumed once with `arg`. */
static lua_State *start(int ref, lua_Integer arg, lua_Integer *out)
{
    int nres = 0, rc;
    lua_State *co = lua_newthread(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_xmove(L, co, 1);
    lua_pushinteger(co, arg);
    rc = RESUME(co, L, 1, &nres);
    if (rc != LUA_OK && rc != LUA_YIELD) {
        fprintf(stderr, "lua: %s\n", lua_tostring(co, -1));
        exit(1);
    }
    *out = nres ? lua_tointeger(co, -1) : 0;
    lua_pop(co, nres);
    return co;
}

static uintptr_t rt(void *ctx, uint64_t n)
{
    lua_State *co = ctx;
    uintptr_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        int nres;
        lua_pushinteger(co, (lua_Integer)i);
        RESUME(co, L, 1, &nres);
        acc += (uintptr_t)lua_tointeger(co, -1);
        lua_pop(co, nres);
    }
    return acc;
}

/* The thread is popped from L and freed by the garbage collector: its
 * "destroy" is amortised GC work, as in any Lua program. */
static uintptr_t create(void *ctx, uint64_t n)
{
    uintptr_t acc = 0;
    (void)ctx;
    for (uint64_t i = 0; i < n; i++) {
        lua_Integer out;
        start(once_ref, (lua_Integer)i, &out);
        lua_pop(L, 1);
        acc += (uintptr_t)out;
    }
    return acc;
}

#if LUA_VERSION_NUM >= 504
/* Create, run to the first yield (a to-be-closed variable pending), close
 * (lua_resetthread runs the __close handler), drop. */
static uintptr_t close_rt(void *ctx, uint64_t n)
{
    uintptr_t acc = 0;
    (void)ctx;
    for (uint64_t i = 0; i < n; i++) {
        lua_Integer out;
        lua_State *co = start(parked_ref, (lua_Integer)i, &out);
        acc += (uintptr_t)(lua_resetthread(co) == LUA_OK);
        lua_pop(L, 1);
    }
    return acc;
}
#endif

int main(int argc, char **argv)
{
    const char *w = argc > 1 ? argv[1] : "rt";
    L = luaL_newstate();
    luaL_openlibs(L);
    echo_ref = load(src_echo);
    once_ref = load(src_once);
#if LUA_VERSION_NUM >= 504
    parked_ref = load(src_parked);
#else
    (void)parked_ref;
    (void)src_parked;
#endif
    if (!strcmp(w, "rt")) {
        lua_Integer out;
        lua_State *co = start(echo_ref, 0, &out);
        bench_report_time(BENCH_PEER, w, rt, co);
    } else if (!strcmp(w, "create")) {
        bench_report_time(BENCH_PEER, w, create, NULL);
#if LUA_VERSION_NUM >= 504
    } else if (!strcmp(w, "close")) {
        bench_report_time(BENCH_PEER, w, close_rt, NULL);
#endif
    } else if (!strcmp(w, "rss")) {
        long before;
        lua_Integer out;
        lua_gc(L, LUA_GCCOLLECT, 0);
        before = bench_rss();
        lua_createtable(L, (int)BENCH_RSS_COUNT, 0); /* keeps them alive */
        for (long i = 0; i < BENCH_RSS_COUNT; i++) {
            start(echo_ref, 0, &out);
            lua_rawseti(L, -2, (int)i + 1);
        }
        lua_gc(L, LUA_GCCOLLECT, 0);
        bench_report_rss(BENCH_PEER, before, bench_rss(), BENCH_RSS_COUNT,
                         "lua_newthread each, parked at its first yield (table of refs included)");
    } else {
        bench_report_na(BENCH_PEER, w,
                        "Lua cannot raise into a suspended coroutine or delegate; "
                        "LuaJIT has no coroutine close");
    }
    return 0;
}
