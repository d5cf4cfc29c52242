// SPDX-License-Identifier: MIT
// A C++ program using cogen: every public header compiles as C++, and a
// body keeps RAII objects alive only between its yields, never across an
// end it does not return from (see docs/cpp.md).
#include <cogen.h>
#include <cogen/pipe.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace
{

struct Range {
    int from, to;
};

// A generator body: a plain function with C-compatible signature. Objects
// with destructors are fine as long as the body leaves by returning.
void *count(cogen *self, void *arg)
{
    const Range *r = static_cast<const Range *>(arg);
    std::string label = "n=";
    for (int i = r->from; i < r->to; i++) {
        std::string item = label + std::to_string(i);
        void *sent = nullptr;
        if (cogen_yield(self, &item, &sent) != COGEN_SENT)
            return nullptr; // closed: `label` and `item` are destroyed on the way out
    }
    return const_cast<Range *>(r);
}

// Exceptions are caught inside the body (none may cross a switch), and the
// body neither yields nor ends inside a catch handler: the handler's
// bookkeeping is per thread, not per stack.
void *careful(cogen *self, void *)
{
    static char what[64];
    try {
        throw std::runtime_error("inside the body");
    } catch (const std::exception &e) {
        std::snprintf(what, sizeof what, "%s", e.what());
    }
    cogen_yield(self, what, nullptr);
    cogen_raise(self, 7, "raised after %d yield", 1);
}

} // namespace

int main()
{
    static_assert(COGEN_VERSION ==
                      COGEN_VERSION_MAJOR * 10000 + COGEN_VERSION_MINOR * 100 + COGEN_VERSION_PATCH,
                  "version macros agree");
    if (cogen_version() != COGEN_VERSION) {
        std::fprintf(stderr, "linked %s, compiled against %s\n", cogen_version_string(),
                     COGEN_VERSION_STRING);
        return 1;
    }
    Range r{1, 4};
    cogen_opts opts{};
    opts.name = "count";
    cogen *g = cogen_new(count, &r, &opts);
    std::vector<std::string> seen;
    void *out = nullptr;
    while (cogen_next(g, &out) == COGEN_YIELDED)
        seen.push_back(*static_cast<std::string *>(out));
    if (out != &r || seen.size() != 3 || seen[2] != "n=3")
        return 1;
    cogen_free(g);

    cogen *c = cogen_new(careful, nullptr, nullptr);
    if (cogen_next(c, &out) != COGEN_YIELDED ||
        std::string(static_cast<char *>(out)) != "inside the body")
        return 1;
    if (cogen_next(c, &out) != COGEN_ERROR || cogen_last_error(c)->code != 7)
        return 1;
    std::printf("%s %s %s; %s\n", seen[0].c_str(), seen[1].c_str(), seen[2].c_str(),
                cogen_last_error(c)->msg);
    cogen_free(c);

    cogen_pipe *p = cogen_pipe_new();
    if (!p)
        return 1;
    cogen_pipe_free(p);
    return 0;
}
