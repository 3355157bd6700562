using DmaDiscipline.Analyzers.Symbols;

namespace DmaDiscipline.Analyzers.Tests.Symbols;

/// <summary>
/// The prefilters' whole-word test: a name counts where it stands as a word of its own, never inside a
/// longer identifier; many names are read in one pass over the words, a few searched one by one, with the
/// same answer either way.
/// </summary>
public sealed class WordSetTests
{
    private static readonly string[] Few = { "MapSingle", "AllocCoherent" };

    // More than the one-by-one search takes: the pass over the words answers.
    private static readonly string[] Many = { "MapSingle", "AllocCoherent", "MapPage", "MapSg", "PostRx", "Fill", "Refill", "Rearm", "Ring", "Tx", "Q" };

    [Theory]
    [InlineData("{ var a = _dma.MapSingle(b, 0, n, d); }", true)]
    [InlineData("{ var a = _dma.MapSingle<T>(b); }", true)]
    [InlineData("{ TryMapSingle(b); }", false)]
    [InlineData("{ MapSingleAll(b); }", false)]
    [InlineData("{ _MapSingle(b); }", false)]
    [InlineData("{ // MapSingle later\n }", true)]
    [InlineData("{ }", false)]
    public void A_name_counts_as_a_whole_word_only(string body, bool found)
    {
        Assert.Equal(found, new WordSet(Few).AnyIn(body, 0, body.Length));
        Assert.Equal(found, new WordSet(Many).AnyIn(body, 0, body.Length));
    }

    [Fact]
    public void Only_words_wholly_inside_the_range_count()
    {
        const string text = "MapSingle(a); Q; Refill(b);";
        var many = new WordSet(Many);

        // "Refill" cut at either end of the range is no word of the range; "Q" whole is.
        Assert.False(many.AnyIn(text, 16, 21));
        Assert.False(many.AnyIn(text, 18, text.Length));
        Assert.True(many.AnyIn(text, 14, 15));
        Assert.False(many.AnyIn(text, 1, 9));
        Assert.False(new WordSet(Few).AnyIn(text, 1, 9));
    }

    [Fact]
    public void Reading_the_words_agrees_with_searching_each_name()
    {
        // Bodies made of the names, their look-alikes (a prefix, a suffix, a longer word) and separators, in every order a seeded walk gives.
        var random = new Random(20261207);
        string[] pieces = { "MapSingle", "MapSingles", "xMapSingle", "Map", "Single", "Q", "Qs", "_Q", "Ring", "Ringo", "Tx", "1Tx", "Fill", "Refill", "(", " ", ".", "\n", "//", "\"", "<", ">" };
        for (var body = 0; body < 2000; body++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 12)).Select(_ => pieces[random.Next(pieces.Length)]));
            var start = random.Next(0, text.Length);
            var end = random.Next(start, text.Length + 1);
            var names = Many.Where(_ => random.Next(3) == 0).ToArray();
            var oneByOne = names.Any(name => SourceWords.IndexOfWord(text, name, start, end) >= 0);

            Assert.Equal(oneByOne, new WordSet(names).AnyIn(text, start, end));
            Assert.Equal(oneByOne, new WordSet(names.Concat(Enumerable.Range(0, 10).Select(i => "Unused" + i))).AnyIn(text, start, end));
        }
    }

    [Fact]
    public void No_names_find_nothing()
    {
        Assert.True(new WordSet(Array.Empty<string>()).IsEmpty);
        Assert.False(new WordSet(Array.Empty<string>()).AnyIn("MapSingle", 0, 9));
    }

    [Fact]
    public void The_names_read_in_a_range_are_the_words_a_string_per_word_finds()
    {
        // The carriers' sink propagation reads which names a body holds without making a string of every word: the same
        // words in the same order, cut at the range's ends as before, for few names and many.
        var random = new Random(20261208);
        string[] pieces = { "MapSingle", "MapSingles", "xMapSingle", "Map", "Single", "Q", "Qs", "_Q", "Ring", "Ringo", "Tx", "1Tx", "Fill", "Refill", "(", " ", ".", "\n" };
        for (var body = 0; body < 2000; body++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 12)).Select(_ => pieces[random.Next(pieces.Length)]));
            var start = random.Next(0, text.Length);
            var end = random.Next(start, text.Length + 1);
            var names = Many.Where(_ => random.Next(3) == 0).ToArray();
            var expected = SourceWords.WordsIn(text, start, end, new HashSet<string>(names, StringComparer.Ordinal));

            Assert.Equal(expected, new WordSet(names).WordsIn(text, start, end));
            Assert.Equal(expected, new WordSet(names.Concat(Enumerable.Range(0, 10).Select(i => "Unused" + i))).WordsIn(text, start, end));
        }
    }
}
