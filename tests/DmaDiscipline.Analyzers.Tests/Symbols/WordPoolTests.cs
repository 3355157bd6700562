using DmaDiscipline.Analyzers.Symbols;

namespace DmaDiscipline.Analyzers.Tests.Symbols;

/// <summary>
/// The word readers' pool of strings: a word read from the text is the pool's own string once it has been met, equal to
/// the text's word whatever the pool holds, and the tokens read through a pool are those read without one.
/// </summary>
public sealed class WordPoolTests
{
    [Fact]
    public void A_word_met_again_is_the_same_string_and_every_word_is_the_texts()
    {
        var pool = new WordPool();
        var words = Enumerable.Range(0, 5000).Select(i => "w" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var text = string.Join(" ", words) + " " + string.Join(" ", words);
        var firstPass = new List<string>();
        var at = 0;
        foreach (var word in words)
        {
            firstPass.Add(pool.Get(text, at, word.Length));
            at += word.Length + 1;
        }

        foreach (var (word, met) in words.Zip(firstPass))
        {
            var again = pool.Get(text, at, word.Length);
            Assert.Equal(word, again);
            Assert.Same(met, again);
            at += word.Length + 1;
        }
    }

    [Theory]
    [InlineData("_ring[slot].Addr = list.DmaAddress(e).Value; // Addr\n var s = \"Addr\";")]
    [InlineData("a = b; a = b; ab = ba; b.a(a, b);")]
    public void Tokens_read_through_a_pool_are_those_read_without_one(string text)
    {
        var pool = new WordPool();
        for (var pass = 0; pass < 2; pass++)
        {
            var pooled = ContentFlow.Tokenize(text, 0, text.Length, pool);
            var plain = ContentFlow.Tokenize(text, 0, text.Length);
            Assert.Equal(plain.Select(t => (t.Word, t.Char, t.At)), pooled.Select(t => (t.Word, t.Char, t.At)));
        }
    }
}
