using System.Runtime.CompilerServices;
using DmaDiscipline.Analyzers.Rules;

namespace DmaDiscipline.Analyzers.Tests.Infrastructure;

/// <summary>
/// Every test of this assembly checks the tree walk (StructuredFlow) against the control-flow graph:
/// a body DMA002–DMA006 find quiet over its tree is analysed over its graph as well, and a diagnostic
/// there throws; a body DMA001/DMA008 follow over its tree is analysed over its graph too, and
/// diagnostics that differ throw (an AD0001 the test then fails on). The rule tests are the catalogue
/// of shapes the two must agree on.
/// </summary>
internal static class QuietBodyCheck
{
#pragma warning disable CA2255 // A test assembly's own switch, set before any test runs.
    [ModuleInitializer]
    internal static void Enable()
    {
        MappingLifecycleAnalyzer.VerifyQuietBodies = true;
        AddressProvenanceAnalyzer.VerifyTreeWalk = true;
    }
#pragma warning restore CA2255
}
