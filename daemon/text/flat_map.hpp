#pragma once
// A small open-addressing hash map from integer keys to 32-bit values, for the
// document frequencies and the clustering engine's indexes: 8 to 16 bytes a
// slot and no allocation per entry, where a std::unordered_map node costs about
// 40 and a cache miss per lookup. Internal to the text and cluster modules.
#include <cstdint>
#include <optional>
#include <vector>

namespace fcd::text::detail {

// Linear probing with backward-shift deletion (no tombstones). The value
// 0xFFFFFFFF is reserved to mark empty slots. Not thread-safe.
template <typename Key>
class FlatMap {
 public:
  static constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;

  std::optional<std::uint32_t> find(Key key) const {
    if (size_ == 0) return std::nullopt;
    for (std::size_t i = index(key);; i = (i + 1) & mask_) {
      if (cells_[i].value == kEmpty) return std::nullopt;
      if (cells_[i].key == key) return cells_[i].value;
    }
  }

  // Asks for the cell where a lookup of key starts, so that the cache
  // misses of many lookups overlap.
  void prefetch(Key key) const {
    if (!cells_.empty()) __builtin_prefetch(&cells_[index(key)]);
  }

  // Inserts or overwrites; value must not be kEmpty.
  void set(Key key, std::uint32_t value) {
    if ((size_ + 1) * 4 > cells_.size() * 3) grow();
    for (std::size_t i = index(key);; i = (i + 1) & mask_) {
      if (cells_[i].value == kEmpty) {
        cells_[i] = {key, value};
        ++size_;
        return;
      }
      if (cells_[i].key == key) {
        cells_[i].value = value;
        return;
      }
    }
  }

  // Inserts only when absent; returns the value now stored.
  std::uint32_t try_set(Key key, std::uint32_t value) {
    if (auto found = find(key)) return *found;
    set(key, value);
    return value;
  }

  void erase(Key key) {
    if (size_ == 0) return;
    std::size_t i = index(key);
    while (true) {
      if (cells_[i].value == kEmpty) return;
      if (cells_[i].key == key) break;
      i = (i + 1) & mask_;
    }
    // Shift later members of the probe run back so lookups never stop early.
    std::size_t hole = i;
    for (std::size_t j = (i + 1) & mask_; cells_[j].value != kEmpty; j = (j + 1) & mask_) {
      const std::size_t home = index(cells_[j].key);
      const bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        cells_[hole] = cells_[j];
        hole = j;
      }
    }
    cells_[hole].value = kEmpty;
    --size_;
    if (cells_.size() > 64 && size_ * 8 < cells_.size()) rehash(cells_.size() / 2);
  }

  // Calls fn(key, value) for every entry, in no particular order.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (const Cell& c : cells_)
      if (c.value != kEmpty) fn(c.key, c.value);
  }

  // Calls fn(key, value) for every entry, in no particular order, with the
  // value to be changed in place (to anything but kEmpty).
  template <typename Fn>
  void update_each(Fn&& fn) {
    for (Cell& c : cells_)
      if (c.value != kEmpty) fn(c.key, c.value);
  }

  // Makes room for entries without growing on the way (each growth rehashes
  // every entry so far).
  void reserve(std::size_t entries) {
    std::size_t capacity = cells_.empty() ? 16 : cells_.size();
    while (entries * 4 > capacity * 3) capacity *= 2;
    if (capacity > cells_.size()) rehash(capacity);
  }

  // Empties the map but keeps its cells, for maps refilled on every call.
  void clear() {
    for (Cell& c : cells_) c.value = kEmpty;
    size_ = 0;
  }

  std::size_t size() const { return size_; }
  std::size_t bytes() const { return cells_.capacity() * sizeof(Cell); }

 private:
  struct Cell {
    Key key{};
    std::uint32_t value = kEmpty;
  };

  std::size_t index(Key key) const {
    auto x = static_cast<std::uint64_t>(key);
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return static_cast<std::size_t>(x) & mask_;
  }

  void grow() { rehash(cells_.empty() ? 16 : cells_.size() * 2); }

  void rehash(std::size_t capacity) {
    std::vector<Cell> old = std::move(cells_);
    cells_.assign(capacity, Cell{});
    cells_.shrink_to_fit();
    mask_ = capacity - 1;
    size_ = 0;
    for (const Cell& c : old)
      if (c.value != kEmpty) set(c.key, c.value);
  }

  std::vector<Cell> cells_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace fcd::text::detail
