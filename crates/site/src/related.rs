//! Related posts: for each post, up to `[related] count` others that share its taxonomy terms
//! (tags and every other taxonomy). A term counts by its rarity, `ln(1 + posts / posts with
//! the term)`: sharing a tag three posts have says more than sharing one half the blog has.
//! Ties go to the newer post, then the path, so the choice never depends on thread timing.
//!
//! Linear-ish in the number of posts: a term with at most [`FULL_TERM`] posts scores all of
//! them; a bigger one adds its weight to the candidates the rarer terms found and scores only
//! the [`WINDOW`] posts either side in date order, so a tag on 20,000 posts costs 20,000 × 2 ×
//! [`WINDOW`] steps, not 20,000².

use crate::model::Page;
use serde::Serialize;
use std::collections::HashMap;

/// A term on at most this many posts scores every post that has it.
pub const FULL_TERM: usize = 256;
/// How many posts either side (in date order) a bigger term scores.
pub const WINDOW: usize = 32;

/// A post shown as related to another.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Related {
    pub title: String,
    pub path: String,
    pub permalink: String,
    pub date: Option<String>,
}

/// Sets `related` on every post (newest first, as the site keeps them).
pub fn relate(posts: &mut [Page], count: usize) {
    let related: Vec<Vec<Related>> = {
        let terms = post_terms(posts);
        (0..posts.len()).map(|i| choose(i, &terms, count).into_iter().map(|j| related_of(&posts[j])).collect()).collect()
    };
    for (post, r) in posts.iter_mut().zip(related) {
        post.related = r;
    }
}

/// Who has which term, as indexes: term ids per post (sorted) and posts per term (in the
/// site's order, newest first).
struct Terms {
    of_post: Vec<Vec<usize>>,
    members: Vec<Vec<usize>>,
    weight: Vec<f64>,
}

fn post_terms(posts: &[Page]) -> Terms {
    index(posts.iter().map(|p| {
        let tags = p.summary.tags.iter().map(|t| ("tags", t.slug.as_str()));
        let others = p.summary.taxonomies.iter().flat_map(|(name, refs)| refs.iter().map(move |r| (name.as_str(), r.slug.as_str())));
        tags.chain(others).collect()
    }))
}

/// The index of each post's `(taxonomy, term slug)` keys.
fn index<'a>(keys: impl Iterator<Item = Vec<(&'a str, &'a str)>>) -> Terms {
    let mut ids: HashMap<(&str, &str), usize> = HashMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut of_post = Vec::new();
    for (i, keys) in keys.enumerate() {
        let mut mine: Vec<usize> = Vec::new();
        for key in keys {
            let id = *ids.entry(key).or_insert_with(|| {
                members.push(Vec::new());
                members.len() - 1
            });
            if !mine.contains(&id) {
                mine.push(id);
                members[id].push(i);
            }
        }
        mine.sort_unstable();
        of_post.push(mine);
    }
    let n = of_post.len() as f64;
    let weight = members.iter().map(|m| (1.0 + n / m.len() as f64).ln()).collect();
    Terms { of_post, members, weight }
}

/// The `count` best other posts for post `i`.
fn choose(i: usize, terms: &Terms, count: usize) -> Vec<usize> {
    if count == 0 {
        return Vec::new();
    }
    // Rarest terms first, so a big term finds the candidates it should add to.
    let mut mine = terms.of_post[i].clone();
    mine.sort_by_key(|&t| (terms.members[t].len(), t));
    let mut scores: HashMap<usize, f64> = HashMap::new();
    for t in mine {
        let (members, w) = (&terms.members[t], terms.weight[t]);
        if members.len() <= FULL_TERM {
            for &j in members.iter().filter(|&&j| j != i) {
                *scores.entry(j).or_insert(0.0) += w;
            }
            continue;
        }
        for (j, s) in scores.iter_mut() {
            if terms.of_post[*j].binary_search(&t).is_ok() {
                *s += w;
            }
        }
        let at = members.binary_search(&i).unwrap_or_else(|x| x);
        let near = &members[at.saturating_sub(WINDOW)..(at + WINDOW + 1).min(members.len())];
        for &j in near.iter().filter(|&&j| j != i) {
            scores.entry(j).or_insert(w);
        }
    }
    let mut ranked: Vec<(usize, f64)> = scores.into_iter().collect();
    // Higher score first; then the newer post (a lower index), which also settles equal floats.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.into_iter().take(count).map(|(j, _)| j).collect()
}

fn related_of(p: &Page) -> Related {
    Related {
        title: p.summary.title.clone(),
        path: p.summary.path.clone(),
        permalink: p.summary.permalink.clone(),
        date: p.summary.date.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(posts: &[&[&'static str]]) -> Terms {
        index(posts.iter().map(|tags| tags.iter().map(|t| ("tags", *t)).collect()))
    }

    /// Every post that shares a term, scored by the sum of the shared terms' weights.
    fn brute_force(i: usize, t: &Terms, count: usize) -> Vec<usize> {
        let mut ranked: Vec<(usize, f64)> = Vec::new();
        for j in (0..t.of_post.len()).filter(|&j| j != i) {
            let mut shared: Vec<usize> = t.of_post[i].iter().copied().filter(|x| t.of_post[j].contains(x)).collect();
            shared.sort_by_key(|&x| (t.members[x].len(), x));
            if !shared.is_empty() {
                ranked.push((j, shared.iter().map(|&x| t.weight[x]).sum()));
            }
        }
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.into_iter().take(count).map(|(j, _)| j).collect()
    }

    #[test]
    fn a_rare_shared_term_beats_a_common_one_and_ties_go_to_the_newer_post() {
        let t = terms(&[&["rust", "life"], &["life"], &["life"], &["rust"], &["life"], &["cooking"]]);
        // Post 3 shares the rare tag; 1, 2 and 4 the common one, the newest first.
        assert_eq!(choose(0, &t, 3), [3, 1, 2]);
        assert_eq!(choose(0, &t, 10), [3, 1, 2, 4]);
        // Nothing shared, nothing shown: related posts are never padded with unrelated ones.
        assert!(choose(5, &t, 3).is_empty());
        assert!(choose(0, &t, 0).is_empty());
        // More shared terms beat fewer.
        let t = terms(&[&["a", "b"], &["a"], &["a", "b"], &["b"]]);
        assert_eq!(choose(0, &t, 1), [2]);
    }

    #[test]
    fn small_terms_score_exactly_as_every_pair_would() {
        // A fixed pseudo-random blog: 600 posts, 1 to 4 tags each from 150 (each tag on well
        // under FULL_TERM posts).
        let mut seed = 42u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        let names: Vec<String> = (0..150).map(|i| format!("t{i}")).collect();
        let posts: Vec<Vec<(&str, &str)>> =
            (0..600).map(|_| (0..1 + next() % 4).map(|_| ("tags", names[next() % names.len()].as_str())).collect()).collect();
        let t = index(posts.into_iter());
        assert!(t.members.iter().all(|m| m.len() <= FULL_TERM));
        for i in 0..600 {
            assert_eq!(choose(i, &t, 5), brute_force(i, &t, 5), "post {i}");
        }
    }

    #[test]
    fn a_term_on_most_posts_costs_a_window_not_every_pair() {
        // 20,000 posts all tagged `notes`, every tenth also `rust`: each post still gets its
        // related posts, and those of a `rust` post are `rust` posts.
        let posts: Vec<&[&str]> = (0..20_000).map(|i| if i % 10 == 0 { &["notes", "rust"][..] } else { &["notes"][..] }).collect();
        let t = terms(&posts);
        let picks: Vec<Vec<usize>> = (0..posts.len()).map(|i| choose(i, &t, 3)).collect();
        assert!(picks.iter().all(|p| p.len() == 3));
        assert!(picks[0].iter().all(|j| j % 10 == 0), "{:?}", picks[0]);
        // A `notes` post's related posts are its neighbours in date order.
        assert!(picks[5_001].iter().all(|&j| j.abs_diff(5_001) <= WINDOW), "{:?}", picks[5_001]);
    }
}
