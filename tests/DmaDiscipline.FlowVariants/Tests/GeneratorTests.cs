using DmaDiscipline.FlowVariants.Generation;

namespace DmaDiscipline.FlowVariants.Tests;

/// <summary>The generator itself: variants are real transformations, twins really differ from their defects.</summary>
public sealed class GeneratorTests
{
    public static TheoryData<string> CoreIds { get; } = [.. Cores.All.Select(c => c.Id)];

    [Theory]
    [MemberData(nameof(CoreIds))]
    public void Every_variant_renders_a_different_method(string coreId)
    {
        var core = Cores.All.Single(c => c.Id == coreId);
        var duplicates = Variant.All
            .GroupBy(v => Normalized(v.Render(core.Defect)))
            .Where(g => g.Count() > 1)
            .Select(g => string.Join("=", g.Select(v => v.Id)))
            .ToList();
        Assert.Empty(duplicates);
    }

    [Theory]
    [MemberData(nameof(CoreIds))]
    public void Every_twin_differs_from_its_defect(string coreId)
    {
        var core = Cores.All.Single(c => c.Id == coreId);
        Assert.All(Variant.All, v => Assert.NotEqual(
            CaseSource.Render(core, v, Side.Defect).Replace(".Defect", "", StringComparison.Ordinal),
            CaseSource.Render(core, v, Side.Twin).Replace(".Twin", "", StringComparison.Ordinal)));
    }

    [Fact]
    public void Every_placeholder_is_filled()
    {
        var leftovers = Cores.All
            .SelectMany(core => Variant.All.SelectMany(v => new[] { Side.Defect, Side.Twin }.Select(side => (core.Id, VariantId: v.Id, side, Text: CaseSource.Render(core, v, side)))))
            .Where(c => c.Text.Contains('$', StringComparison.Ordinal) || c.Text.Contains("{P", StringComparison.Ordinal) || c.Text.Contains("{T}", StringComparison.Ordinal))
            .Select(c => $"{c.Id}/{c.VariantId}/{c.side}")
            .ToList();
        Assert.Empty(leftovers);
    }

    [Fact]
    public void Variant_ids_are_unique()
    {
        Assert.Equal(Variant.All.Count, Variant.All.Select(v => v.Id).Distinct(StringComparer.Ordinal).Count());
    }

    private static string Normalized(CaseCode code) => string.Join("|", code.Body, code.Members, code.Types, code.Shape, code.BaseType);
}
