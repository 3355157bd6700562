namespace DmaDiscipline.Benchmarks.RealDrivers.Tests;

/// <summary>
/// A variant symbols file (<c>DmaDiscipline.wanted.txt</c>, <c>DmaDiscipline.library-*.txt</c>) measures what
/// <em>more</em> configuration finds: it is the natural file plus lines, never minus one. A variant that drifted
/// from its natural file (a line the natural file gained later) would show "more configuration loses findings"
/// where it only lost a line.
/// </summary>
public sealed class SymbolsFileVariantTests
{
    public static TheoryData<string> Variants()
    {
        var data = new TheoryData<string>();
        foreach (var directory in Directory.GetDirectories(Path.Combine(Repository.Root(), "tests", "RealDrivers")).Order(StringComparer.Ordinal))
        {
            foreach (var variant in Directory.GetFiles(directory, "DmaDiscipline.*.txt").Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetRelativePath(Repository.Root(), variant));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void A_variant_names_everything_its_natural_file_names(string variant)
    {
        var path = Path.Combine(Repository.Root(), variant);
        var named = new SymbolsFile(path).Entries().Select(entry => entry.Entry).ToList();
        foreach (var (_, entry) in new SymbolsFile(Path.Combine(Path.GetDirectoryName(path)!, "DmaDiscipline.txt")).Entries())
        {
            Assert.Contains(entry, named);
        }
    }

    [Fact]
    public void Entries_ignore_comments_and_spacing_around_the_separator()
    {
        using var scratch = new ScratchDirectory();
        var file = new SymbolsFile(scratch.Write("a.txt", "# a comment\nM:A.B ;bus-sink   # why\n\nF:A.C;physical-source // why\n"));
        Assert.Equal(new[] { (2, "M:A.B ; bus-sink"), (4, "F:A.C ; physical-source") }, file.Entries());
    }
}
