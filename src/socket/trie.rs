//! Subscription tries: which topics a SUB/XSUB wants, as a prefix filter.
//!
//! Replaces libzmq's `trie.cpp` (and its radix-tree variant, `radix_tree.cpp`). A message
//! passes the filter when some subscribed topic is a byte-prefix of its first frame; the empty
//! topic matches everything (RFC 29/PUBSUB). Subscriptions are counted: subscribing twice to a
//! topic needs two unsubscriptions.
//!
//! Both [`Trie`] and the XPUB multi-trie ([`super::mtrie::Mtrie`]) are built on `Radix`, a
//! compressed radix tree: each edge holds a run of bytes, children are sorted by their first
//! byte, so a lookup costs one binary search per branching point rather than one node per byte
//! as in libzmq's `trie_t`. Every walk is iterative: topics come from peers, and a deep tree
//! must not exhaust the stack.

#![forbid(unsafe_code)]

/// A counted set of subscription prefixes (SUB and XSUB).
#[derive(Debug, Default)]
pub struct Trie {
    radix: Radix<u64>,
    prefixes: usize,
}

impl Trie {
    /// An empty trie: nothing matches.
    pub fn new() -> Trie {
        Trie::default()
    }

    /// Adds one reference to `prefix`; returns `true` if the prefix is new.
    pub fn add(&mut self, prefix: &[u8]) -> bool {
        let count = self.radix.get_or_insert(prefix);
        *count += 1;
        let new = *count == 1;
        if new {
            self.prefixes += 1;
        }
        new
    }

    /// Drops one reference to `prefix`; returns `true` if it was the last one (the prefix is
    /// gone now), `false` if references remain or the prefix was not subscribed.
    pub fn remove(&mut self, prefix: &[u8]) -> bool {
        let last = self.radix.modify(prefix, |count| match *count {
            0 => false,
            _ => {
                *count -= 1;
                *count == 0
            }
        });
        let last = last.unwrap_or(false);
        if last {
            self.prefixes -= 1;
        }
        last
    }

    /// Whether some subscribed prefix is a prefix of `data`.
    pub fn check(&self, data: &[u8]) -> bool {
        self.radix.prefixes_of(data).next().is_some()
    }

    /// Calls `f` once per subscribed prefix (however many references it has), in byte order.
    pub fn apply(&self, mut f: impl FnMut(&[u8])) {
        self.radix.for_each(|prefix, _| f(prefix));
    }

    /// How many distinct prefixes are subscribed (`ZMQ_TOPICS_COUNT`).
    pub fn num_prefixes(&self) -> usize {
        self.prefixes
    }
}

/// What a [`Radix`] node holds; the default value is "nothing here".
pub(crate) trait Value: Default {
    /// Whether the node holds nothing (and may be pruned).
    fn is_empty(&self) -> bool;
}

impl Value for u64 {
    fn is_empty(&self) -> bool {
        *self == 0
    }
}

/// A compressed radix tree mapping byte strings to values.
///
/// Invariants: children are sorted by the first byte of their labels, which are never empty
/// and unique per parent; a node other than the root with an empty value has at least two
/// children (emptied nodes are removed or merged into their only child).
#[derive(Debug, Default)]
pub(crate) struct Radix<V: Value> {
    root: Node<V>,
}

#[derive(Debug, Default)]
struct Node<V> {
    /// The bytes on the edge from the parent (empty only at the root).
    label: Vec<u8>,
    value: V,
    children: Vec<Node<V>>,
}

impl<V: Value> Radix<V> {
    /// The value at exactly `key`, created empty if missing.
    pub(crate) fn get_or_insert(&mut self, key: &[u8]) -> &mut V {
        let mut node = &mut self.root;
        let mut rest = key;
        loop {
            let Some(&first) = rest.first() else {
                return &mut node.value;
            };
            let i = match node.child_index(first) {
                Ok(i) => i,
                Err(pos) => {
                    node.children.insert(pos, Node::leaf(rest));
                    return &mut node.children[pos].value;
                }
            };
            let child = &mut node.children[i];
            let common = common_len(&child.label, rest);
            if common < child.label.len() {
                child.split_at(common);
            }
            node = child;
            rest = &rest[common..];
        }
    }

    /// Applies `f` to the value at exactly `key`, then prunes the node if it became empty.
    /// Returns `None` (without calling `f`) if there is no node at `key`.
    pub(crate) fn modify<R>(&mut self, key: &[u8], f: impl FnOnce(&mut V) -> R) -> Option<R> {
        let path = self.path_to(key)?;
        let result = f(&mut self.node_at_mut(&path).value);
        self.prune(&path);
        Some(result)
    }

    /// The non-empty values at the prefixes of `data`, shortest prefix first.
    pub(crate) fn prefixes_of<'a>(&'a self, data: &'a [u8]) -> PrefixesOf<'a, V> {
        PrefixesOf {
            node: Some(&self.root),
            rest: data,
        }
    }

    /// Calls `f(key, value)` for every non-empty value, in byte order of the keys.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&[u8], &V)) {
        let mut key = Vec::new();
        // Each entry: a node and the key length at its parent.
        let mut stack = vec![(&self.root, 0)];
        while let Some((node, parent_len)) = stack.pop() {
            key.truncate(parent_len);
            key.extend_from_slice(&node.label);
            if !node.value.is_empty() {
                f(&key, &node.value);
            }
            let len = key.len();
            stack.extend(node.children.iter().rev().map(|child| (child, len)));
        }
    }

    /// The child indices leading to the node at exactly `key`.
    fn path_to(&self, key: &[u8]) -> Option<Vec<usize>> {
        let mut path = Vec::new();
        let mut node = &self.root;
        let mut rest = key;
        while let Some(&first) = rest.first() {
            let i = node.child_index(first).ok()?;
            node = &node.children[i];
            rest = rest.strip_prefix(node.label.as_slice())?;
            path.push(i);
        }
        Some(path)
    }

    fn node_at_mut(&mut self, path: &[usize]) -> &mut Node<V> {
        path.iter()
            .fold(&mut self.root, |node, &i| &mut node.children[i])
    }

    /// Restores the invariants after the value at `path` changed.
    fn prune(&mut self, path: &[usize]) {
        let Some((&last, parent_path)) = path.split_last() else {
            // The root stays, empty or not.
            return;
        };
        let parent = self.node_at_mut(parent_path);
        let node = &mut parent.children[last];
        if !node.value.is_empty() {
            return;
        }
        match node.children.len() {
            0 => {
                parent.children.remove(last);
                // The parent had two children or more if its value is empty (invariant);
                // left with one, it merges with it. Its own parent is unaffected.
                if !parent_path.is_empty() && parent.value.is_empty() {
                    parent.merge_only_child();
                }
            }
            1 => node.merge_only_child(),
            _ => {}
        }
    }
}

impl<V: Value> Drop for Radix<V> {
    fn drop(&mut self) {
        // Take the tree apart without recursion: a chain of nested prefixes from a peer
        // could otherwise overflow the stack.
        let mut stack = std::mem::take(&mut self.root.children);
        while let Some(mut node) = stack.pop() {
            stack.append(&mut node.children);
        }
    }
}

impl<V> Node<V> {
    /// Where the child whose label starts with `byte` is (`Ok`), or would go (`Err`).
    fn child_index(&self, byte: u8) -> Result<usize, usize> {
        self.children
            .binary_search_by_key(&byte, |child| child.label[0])
    }
}

impl<V: Value> Node<V> {
    fn leaf(label: &[u8]) -> Node<V> {
        Node {
            label: label.to_vec(),
            value: V::default(),
            children: Vec::new(),
        }
    }

    /// Splits the edge after `at` bytes: this node keeps the first `at` bytes and gets an
    /// empty value, with one child holding the rest of the label, the value and the children.
    fn split_at(&mut self, at: usize) {
        let lower = Node {
            label: self.label.split_off(at),
            value: std::mem::take(&mut self.value),
            children: std::mem::take(&mut self.children),
        };
        self.children.push(lower);
    }

    /// Absorbs the only child of an emptied node into it (the reverse of `split_at`).
    fn merge_only_child(&mut self) {
        if self.children.len() != 1 {
            return;
        }
        if let Some(child) = self.children.pop() {
            self.label.extend_from_slice(&child.label);
            self.value = child.value;
            self.children = child.children;
        }
    }
}

/// The iterator of [`Radix::prefixes_of`].
#[derive(Debug)]
pub(crate) struct PrefixesOf<'a, V> {
    /// The next node to visit, whose key is a prefix of the data.
    node: Option<&'a Node<V>>,
    /// The data after that node's key.
    rest: &'a [u8],
}

impl<'a, V: Value> Iterator for PrefixesOf<'a, V> {
    type Item = &'a V;

    fn next(&mut self) -> Option<&'a V> {
        while let Some(node) = self.node {
            self.node = self.rest.first().and_then(|&first| {
                let child = &node.children[node.child_index(first).ok()?];
                self.rest = self.rest.strip_prefix(child.label.as_slice())?;
                Some(child)
            });
            if !node.value.is_empty() {
                return Some(&node.value);
            }
        }
        None
    }
}

/// The length of the common prefix of `a` and `b`.
fn common_len(a: &[u8], b: &[u8]) -> usize {
    // One side a prefix of the other is the usual case; `starts_with` compares with memcmp.
    if b.starts_with(a) {
        a.len()
    } else if a.starts_with(b) {
        b.len()
    } else {
        a.iter().zip(b).take_while(|(x, y)| x == y).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(trie: &Trie) -> Vec<Vec<u8>> {
        let mut out = vec![];
        trie.apply(|p| out.push(p.to_vec()));
        out
    }

    #[test]
    fn empty_trie_matches_nothing() {
        let trie = Trie::new();
        assert!(!trie.check(b""));
        assert!(!trie.check(b"abc"));
        assert_eq!(trie.num_prefixes(), 0);
    }

    #[test]
    fn empty_prefix_matches_everything() {
        let mut trie = Trie::new();
        assert!(trie.add(b""));
        assert!(trie.check(b""));
        assert!(trie.check(b"\x00anything"));
        assert_eq!(all(&trie), vec![b"".to_vec()]);
        assert!(trie.remove(b""));
        assert!(!trie.check(b"x"));
    }

    #[test]
    fn prefix_matching() {
        let mut trie = Trie::new();
        trie.add(b"abc");
        assert!(trie.check(b"abc"));
        assert!(trie.check(b"abcd"));
        assert!(!trie.check(b"ab"));
        assert!(!trie.check(b"abd"));
        assert!(!trie.check(b""));
        trie.add(b"ab");
        assert!(trie.check(b"ab"));
        assert!(trie.check(b"abx"));
        assert!(trie.remove(b"ab"));
        assert!(!trie.check(b"abx"));
        assert!(trie.check(b"abcx"));
    }

    #[test]
    fn subscriptions_are_counted() {
        let mut trie = Trie::new();
        assert!(trie.add(b"A"));
        assert!(!trie.add(b"A"));
        assert_eq!(trie.num_prefixes(), 1);
        assert!(!trie.remove(b"A"));
        assert!(trie.check(b"A"));
        assert!(trie.remove(b"A"));
        assert!(!trie.check(b"A"));
        assert!(!trie.remove(b"A"), "not present any more");
        assert!(!trie.remove(b"never"));
        assert_eq!(trie.num_prefixes(), 0);
    }

    #[test]
    fn removing_an_inner_split_point_is_not_found() {
        let mut trie = Trie::new();
        trie.add(b"abcd");
        trie.add(b"abxy");
        // "ab" exists as a branching node but is not subscribed.
        assert!(!trie.remove(b"ab"));
        assert!(!trie.remove(b"abc"));
        assert!(trie.check(b"abcd"));
        assert!(trie.check(b"abxy"));
        assert_eq!(trie.num_prefixes(), 2);
    }

    #[test]
    fn apply_lists_each_prefix_once_in_byte_order() {
        let mut trie = Trie::new();
        for p in [
            &b"b"[..],
            b"ab",
            b"abc",
            b"a",
            b"\xff",
            b"",
            b"ab",
            b"\x00\x01",
        ] {
            trie.add(p);
        }
        assert_eq!(
            all(&trie),
            vec![
                b"".to_vec(),
                b"\x00\x01".to_vec(),
                b"a".to_vec(),
                b"ab".to_vec(),
                b"abc".to_vec(),
                b"b".to_vec(),
                b"\xff".to_vec()
            ]
        );
        assert_eq!(trie.num_prefixes(), 7);
    }

    #[test]
    fn tree_is_pruned_back_to_empty() {
        let mut trie = Trie::new();
        let words: Vec<Vec<u8>> = (0..500u32)
            .map(|i| format!("topic/{}/{}", i % 17, i).into_bytes())
            .collect();
        for w in &words {
            assert!(trie.add(w));
        }
        for w in &words {
            assert!(trie.check(w));
        }
        for w in words.iter().rev() {
            assert!(trie.remove(w));
        }
        assert_eq!(trie.num_prefixes(), 0);
        assert!(trie.radix.root.children.is_empty());
    }

    #[test]
    fn matches_a_brute_force_model() {
        // A deterministic pseudo-random mix of adds, removes and checks over a small
        // alphabet (so prefixes overlap a lot), compared with a plain counted list.
        let mut trie = Trie::new();
        let mut model: std::collections::BTreeMap<Vec<u8>, u64> = Default::default();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..20_000 {
            let len = rand(5) as usize;
            let key: Vec<u8> = (0..len).map(|_| b"ab\x00"[rand(3) as usize]).collect();
            match rand(3) {
                0 => {
                    let count = model.entry(key.clone()).or_default();
                    *count += 1;
                    assert_eq!(trie.add(&key), *count == 1);
                }
                1 => {
                    let last = match model.get_mut(&key) {
                        Some(c) => {
                            *c -= 1;
                            *c == 0
                        }
                        None => false,
                    };
                    if last {
                        model.remove(&key);
                    }
                    assert_eq!(trie.remove(&key), last);
                }
                _ => {
                    let expected = model.keys().any(|p| key.starts_with(p));
                    assert_eq!(trie.check(&key), expected, "{key:?}");
                }
            }
            assert_eq!(trie.num_prefixes(), model.len());
        }
        let listed = all(&trie);
        assert_eq!(listed, model.keys().cloned().collect::<Vec<_>>());
    }

    #[test]
    fn deep_chain_does_not_recurse() {
        // 100,000 nested prefixes "a", "aa", ...: a tree 100,000 levels deep.
        let mut trie = Trie::new();
        let long = vec![b'a'; 100_000];
        // Longest first: each add then splits the top edge instead of walking the chain.
        for len in (1..=long.len()).rev() {
            trie.add(&long[..len]);
        }
        assert!(trie.check(&long));
        let mut n = 0;
        trie.apply(|_| n += 1);
        assert_eq!(n, 100_000);
        assert!(trie.remove(&long[..50_000]));
        drop(trie);
    }
}
