// Small-object churn of a big-number factoring program: Pollard's rho on semiprimes with numbers whose
// limbs live in heap blocks, every operation returning a fresh number and dropping its inputs, so nearly
// all blocks are a few dozen bytes and live for a few operations.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "workload.hpp"

namespace {

// A non-negative number: `size` 32-bit limbs, least significant first, no leading zero limb (0 has none).
struct Number {
  std::uint32_t size;
  std::uint32_t limbs[1];
};

Number* make(std::uint32_t size) {
  auto* n = static_cast<Number*>(std::malloc(sizeof(Number) + sizeof(std::uint32_t) * size));
  n->size = size;
  return n;
}

Number* trimmed(Number* n) {
  while (n->size > 0 && n->limbs[n->size - 1] == 0) --n->size;
  return n;
}

Number* from(std::uint64_t v) {
  Number* n = make(2);
  n->limbs[0] = static_cast<std::uint32_t>(v);
  n->limbs[1] = static_cast<std::uint32_t>(v >> 32);
  return trimmed(n);
}

int compare(const Number* a, const Number* b) {
  if (a->size != b->size) return a->size < b->size ? -1 : 1;
  for (std::uint32_t i = a->size; i-- > 0;) {
    if (a->limbs[i] != b->limbs[i]) return a->limbs[i] < b->limbs[i] ? -1 : 1;
  }
  return 0;
}

Number* multiply(const Number* a, const Number* b) {
  Number* r = make(a->size + b->size);
  std::memset(r->limbs, 0, sizeof(std::uint32_t) * r->size);
  for (std::uint32_t i = 0; i < a->size; ++i) {
    std::uint64_t carry = 0;
    for (std::uint32_t j = 0; j < b->size; ++j) {
      const std::uint64_t t = std::uint64_t{a->limbs[i]} * b->limbs[j] + r->limbs[i + j] + carry;
      r->limbs[i + j] = static_cast<std::uint32_t>(t);
      carry = t >> 32;
    }
    r->limbs[i + b->size] = static_cast<std::uint32_t>(carry);
  }
  return trimmed(r);
}

Number* add_small(const Number* a, std::uint32_t v) {
  Number* r = make(a->size + 1);
  std::uint64_t carry = v;
  for (std::uint32_t i = 0; i < a->size; ++i) {
    const std::uint64_t t = std::uint64_t{a->limbs[i]} + carry;
    r->limbs[i] = static_cast<std::uint32_t>(t);
    carry = t >> 32;
  }
  r->limbs[a->size] = static_cast<std::uint32_t>(carry);
  return trimmed(r);
}

// a - b, a >= b.
Number* subtract(const Number* a, const Number* b) {
  Number* r = make(a->size);
  std::int64_t borrow = 0;
  for (std::uint32_t i = 0; i < a->size; ++i) {
    std::int64_t t = std::int64_t{a->limbs[i]} - (i < b->size ? b->limbs[i] : 0) - borrow;
    borrow = t < 0;
    r->limbs[i] = static_cast<std::uint32_t>(t + (borrow << 32));
  }
  return trimmed(r);
}

std::uint32_t bit_length(const Number* a) {
  if (a->size == 0) return 0;
  return 32 * (a->size - 1) + static_cast<std::uint32_t>(32 - __builtin_clz(a->limbs[a->size - 1]));
}

Number* shift_left(const Number* a, std::uint32_t bits) {
  const std::uint32_t words = bits / 32, rest = bits % 32;
  Number* r = make(a->size + words + 1);
  std::memset(r->limbs, 0, sizeof(std::uint32_t) * r->size);
  for (std::uint32_t i = 0; i < a->size; ++i) {
    const std::uint64_t t = std::uint64_t{a->limbs[i]} << rest;
    r->limbs[i + words] |= static_cast<std::uint32_t>(t);
    r->limbs[i + words + 1] |= static_cast<std::uint32_t>(t >> 32);
  }
  return trimmed(r);
}

// a mod m by shift and subtract: every step makes and drops temporaries, as a naive bignum library does.
Number* modulo(Number* a, const Number* m) {
  Number* r = a;
  for (std::uint32_t shift = bit_length(a) > bit_length(m) ? bit_length(a) - bit_length(m) : 0; shift + 1 > 0; --shift) {
    Number* t = shift_left(m, shift);
    if (compare(r, t) >= 0) {
      Number* next = subtract(r, t);
      std::free(r);
      r = next;
    }
    std::free(t);
    if (shift == 0) break;
  }
  return r;
}

Number* copy(const Number* a) {
  Number* r = make(a->size);
  std::memcpy(r->limbs, a->limbs, sizeof(std::uint32_t) * a->size);
  return r;
}

Number* gcd(const Number* a, const Number* b) {
  Number* x = copy(a);
  Number* y = copy(b);
  while (y->size != 0) {
    Number* r = modulo(x, y);
    x = y;
    y = r;
  }
  std::free(y);
  return x;
}

// x -> x^2 + c mod n
Number* step(Number* x, std::uint32_t c, const Number* n) {
  Number* square = multiply(x, x);
  std::free(x);
  Number* plus = add_small(square, c);
  std::free(square);
  return modulo(plus, n);
}

// A nontrivial factor of n (Floyd's cycle finding), as a 64-bit value.
std::uint64_t rho(const Number* n, std::uint32_t c) {
  Number* x = from(2);
  Number* y = from(2);
  for (;;) {
    x = step(x, c, n);
    y = step(step(y, c, n), c, n);
    Number* diff = compare(x, y) >= 0 ? subtract(x, y) : subtract(y, x);
    Number* d = gcd(diff, n);
    std::free(diff);
    const bool done = !(d->size == 1 && d->limbs[0] == 1);
    std::uint64_t factor = 0;
    for (std::uint32_t i = d->size; i-- > 0;) factor = factor << 32 | d->limbs[i];
    std::free(d);
    if (done) {
      std::free(x);
      std::free(y);
      return factor;
    }
  }
}

}  // namespace

int main() {
  // Products of a prime near 2^22 and one near 2^38: 60-bit semiprimes whose squares take four limbs.
  constexpr std::uint64_t primes_a[] = {4194301, 4194287, 4194277, 4194271, 4194247, 4194217};
  constexpr std::uint64_t primes_b[] = {274877906899, 274877906857, 274877906837, 274877906813};
  std::uint64_t sum = 0;
  for (int repeat = 0; repeat < 2; ++repeat) {
    for (std::uint64_t p : primes_a) {
      for (std::uint64_t q : primes_b) {
        Number* a = from(p);
        Number* b = from(q);
        Number* n = multiply(a, b);
        sum += rho(n, 1);
        std::free(n);
        std::free(b);
        std::free(a);
      }
    }
  }
  fm::bench::report("bignum", sum);
}
