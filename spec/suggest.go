package spec

import (
	"fmt"
	"strings"
)

// didYouMean returns ` (did you mean "x"?)` for the candidate closest to
// word, or "" when none is close: within two edits, or a prefix of the
// other ("desc" for "description", "phone" for "phone_number").
func didYouMean(word string, candidates []string) string {
	// Scores are doubled edit distances, so that a prefix (5) ranks after
	// two edits (4) and before three (6).
	best, bestScore := "", 6
	for _, c := range candidates {
		score := 2 * levenshtein(word, c)
		if score > 5 && (len(word) >= 2 && strings.HasPrefix(c, word) || len(c) >= 3 && strings.HasPrefix(word, c)) {
			score = 5
		}
		if score < bestScore && c != word {
			best, bestScore = c, score
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", excerpt(best))
}

// levenshtein is the edit distance between a and b, counted in runes.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
