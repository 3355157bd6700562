using System.Composition;
using System.Reflection;
using DmaDiscipline.CodeFixes.Editing;
using DmaDiscipline.CodeFixes.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace DmaDiscipline.CodeFixes.Tests.Rules;

/// <summary>What every fixer of the package promises the IDE: exported, Fix All in every scope, one rule each, stable keys.</summary>
public sealed class FixerCatalogTests
{
    private static readonly Type[] FixerTypes = typeof(DmaFixer).Assembly.GetTypes()
        .Where(t => typeof(CodeFixProvider).IsAssignableFrom(t) && !t.IsAbstract)
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToArray();

    [Fact]
    public void There_is_one_fixer_per_rule_with_a_fix()
    {
        var ids = FixerTypes.SelectMany(t => ((CodeFixProvider)Activator.CreateInstance(t)!).FixableDiagnosticIds).OrderBy(i => i, StringComparer.Ordinal);
        Assert.Equal(new[] { "DMA001", "DMA002", "DMA003", "DMA004", "DMA005", "DMA008" }, ids);
    }

    [Fact]
    public void Every_fixer_is_exported_for_CSharp_shared_and_fixes_all_in_every_scope()
    {
        foreach (var type in FixerTypes)
        {
            var export = type.GetCustomAttribute<ExportCodeFixProviderAttribute>();
            Assert.NotNull(export);
            Assert.Contains(LanguageNames.CSharp, export!.Languages);
            Assert.Equal(type.Name, export.Name);
            Assert.NotNull(type.GetCustomAttribute<SharedAttribute>());
            var fixAll = ((CodeFixProvider)Activator.CreateInstance(type)!).GetFixAllProvider();
            Assert.NotNull(fixAll);
            Assert.Contains(FixAllScope.Document, fixAll!.GetSupportedFixAllScopes());
            Assert.Contains(FixAllScope.Project, fixAll.GetSupportedFixAllScopes());
            Assert.Contains(FixAllScope.Solution, fixAll.GetSupportedFixAllScopes());
        }
    }

    [Fact]
    public void Equivalence_keys_are_distinct_constants_named_after_their_rule()
    {
        var keys = FixerTypes
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral && f.FieldType == typeof(string)))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.All(keys, key => Assert.Matches(@"^DMA00\d\.[A-Za-z0-9]+$", key));
        Assert.Contains(RawPhysicalAddressFixer.CoherentKey, keys);
        Assert.Contains(MappingNotReleasedFixer.EquivalenceKey, keys);
    }
}
