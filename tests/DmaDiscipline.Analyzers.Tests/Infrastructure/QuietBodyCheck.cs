using System.Runtime.CompilerServices;
using DmaDiscipline.Analyzers.Rules;

namespace DmaDiscipline.Analyzers.Tests.Infrastructure;

/// <summary>
/// Every test of this assembly checks DMA001/DMA008's tree walk (StructuredFlow) against the
/// control-flow graph: a body they follow over its tree is analysed over its graph too, and
/// diagnostics that differ throw (an AD0001 the test then fails on). DMA002–DMA006 are checked
/// through their own instances (<see cref="CheckedAnalyzers"/>).
/// </summary>
internal static class QuietBodyCheck
{
#pragma warning disable CA2255 // A test assembly's own switch, set before any test runs.
    [ModuleInitializer]
    internal static void Enable()
    {
        AddressProvenanceAnalyzer.VerifyTreeWalk = true;
    }
#pragma warning restore CA2255
}
