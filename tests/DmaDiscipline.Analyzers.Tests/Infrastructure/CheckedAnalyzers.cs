using DmaDiscipline.Analyzers.Rules;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DmaDiscipline.Analyzers.Tests.Infrastructure;

/// <summary>
/// The analyzer instances this assembly's tests run: the rules that follow a body over its operation
/// tree are built (through their internal constructors) to check it against the control-flow graph.
/// A body DMA002–DMA006 find quiet over its tree is analysed over its graph as well, and a diagnostic
/// there throws; a body DMA001/DMA008 follow over its tree is analysed over its graph too, and
/// diagnostics that differ throw (an AD0001 the test then fails on). The rule tests are the catalogue
/// of shapes the two traversals must agree on; the shipped analyzers, built by the compiler, never check.
/// </summary>
internal static class CheckedAnalyzers
{
    public static DiagnosticAnalyzer Create<TAnalyzer>()
        where TAnalyzer : DiagnosticAnalyzer, new() =>
        typeof(TAnalyzer) == typeof(MappingLifecycleAnalyzer) ? new MappingLifecycleAnalyzer(verifyQuietBodies: true)
        : typeof(TAnalyzer) == typeof(AddressProvenanceAnalyzer) ? new AddressProvenanceAnalyzer(verifyTreeWalk: true)
        : new TAnalyzer();
}
