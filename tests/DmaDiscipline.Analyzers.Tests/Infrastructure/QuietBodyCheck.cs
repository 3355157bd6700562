using System.Runtime.CompilerServices;
using DmaDiscipline.Analyzers.Rules;

namespace DmaDiscipline.Analyzers.Tests.Infrastructure;

/// <summary>
/// Every test of this assembly checks the shortcut of DMA002–DMA006: a body the one-pass tree walk
/// finds quiet is analysed over its control-flow graph as well, and a diagnostic there throws
/// (an AD0001 the test then fails on). The rule tests are the catalogue of shapes it must agree on.
/// </summary>
internal static class QuietBodyCheck
{
#pragma warning disable CA2255 // A test assembly's own switch, set before any test runs.
    [ModuleInitializer]
    internal static void Enable() => MappingLifecycleAnalyzer.VerifyQuietBodies = true;
#pragma warning restore CA2255
}
