// The few pieces of the C++ runtime that the shipped binary needs, for builds
// that link no libstdc++ (the musl build: see the Makefile). The program uses
// no exceptions, RTTI or iostreams, so what is left is the global allocation
// functions, the error hooks that libstdc++'s header-only containers call
// where they would throw (here they end the program with one line), and the
// code of std::string, which libstdc++'s headers declare but do not define
// inline. Everywhere else the real libstdc++ provides all of this, and the
// file is empty.
#ifdef FLOODCHAT_NO_LIBSTDCXX

#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

namespace {

[[noreturn]] void Fail(const char* what) {
  fprintf(stderr, "floodchat: %s\n", what);
  abort();
}

}  // namespace

void* operator new(size_t size) {
  void* p = malloc(size != 0 ? size : 1);
  if (p == nullptr) Fail("out of memory");
  return p;
}
void* operator new[](size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }

namespace std {

void __throw_bad_alloc() { Fail("out of memory"); }
void __throw_bad_array_new_length() { Fail("out of memory"); }
void __throw_length_error(const char* what) { Fail(what); }
void __throw_logic_error(const char* what) { Fail(what); }
void __throw_out_of_range_fmt(const char* what, ...) { Fail(what); }

template class basic_string<char>;

}  // namespace std

#endif  // FLOODCHAT_NO_LIBSTDCXX
