using System.Collections;
using System.Reflection;
using System.Runtime.Loader;
using DmaDiscipline.FlowVariants.Generation;
using DmaDiscipline.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.FlowVariants.Running;

/// <summary>
/// The suite's own check that its cases mean what they say: each case is compiled, loaded and run
/// on a simulated machine with the DMA-API debug layer collecting, for a few inputs (<c>flag</c>,
/// <c>n</c>), then the driver is unbound. A defect must make the debug layer report its rule on some
/// input; a twin must make it report its rule on none. Only the rules the debug layer sees from the
/// driver's calls alone are checked (DMA002–DMA006): DMA001 and DMA008 need a device to use the
/// address, DMA007 is a static shape.
/// </summary>
public static class RuntimeCheck
{
    /// <summary>The rules the debug layer reports from the driver's own DMA API calls and CPU accesses.</summary>
    public static IReadOnlySet<string> Rules { get; } = new HashSet<string>(StringComparer.Ordinal) { "DMA002", "DMA003", "DMA004", "DMA005", "DMA006" };

    /// <summary>What running one case showed.</summary>
    /// <param name="CoreId">The core.</param>
    /// <param name="VariantId">The variant.</param>
    /// <param name="DefectReported">The debug layer reported the rule for the defect on some input.</param>
    /// <param name="TwinReported">The debug layer reported the rule for the twin on some input.</param>
    public sealed record Outcome(string CoreId, string VariantId, bool DefectReported, bool TwinReported);

    // Each (flag, n) once, with a small and a large buffer in turn (a large one takes DMA002b's early return).
    private static readonly (bool Flag, int N, int Length)[] Inputs =
        [(true, 1, 4096), (false, 1, 128), (true, 0, 128), (false, 0, 4096), (true, 2, 4096), (false, 2, 128), (true, -1, 128), (false, -1, 4096)];

    // A ring whose device reads what it is given, so an unchecked mapping is used as a device would use it.
    private const string RunnableRing = """
        public sealed class DeviceRing : IRing
        {
            private readonly DmaDiscipline.Runtime.Device _device;
            public DeviceRing(DmaDiscipline.Runtime.Device device) { _device = device; }
            public void Post(DmaDiscipline.Runtime.DmaAddr address, int length) { _device.Bus.TryRead(address, new byte[length]); }
        }
        """;

    /// <summary>Runs the counted cases of the checked rules among <paramref name="cores"/>.</summary>
    public static IReadOnlyList<Outcome> Run(IEnumerable<DefectCore>? cores = null, IReadOnlyList<Variant>? variants = null)
    {
        variants ??= Variant.All;
        var checkedCores = (cores ?? Cores.All).Where(c => Rules.Contains(c.Rule)).ToList();
        return checkedCores.GroupBy(c => c.Rule).AsParallel().SelectMany(rule => RunRule(rule.Key, [.. rule], variants))
            .OrderBy(o => o.CoreId, StringComparer.Ordinal).ThenBy(o => o.VariantId, StringComparer.Ordinal).ToList();
    }

    private static List<Outcome> RunRule(string rule, IReadOnlyList<DefectCore> cores, IReadOnlyList<Variant> variants)
    {
        var compilation = SuiteRun.Compile(rule, cores, variants)
            .AddSyntaxTrees(CSharpSyntaxTree.ParseText(RunnableRing, new CSharpParseOptions(LanguageVersion.Latest), "DeviceRing.cs"));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        if (!emitted.Success)
        {
            throw new InvalidOperationException($"{rule}: the cases do not compile: {string.Join("; ", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(5))}");
        }

        image.Position = 0;
        var context = new AssemblyLoadContext("FlowVariants_" + rule, isCollectible: true);
        try
        {
            var assembly = context.LoadFromStream(image);
            var desc = assembly.GetType("Desc", throwOnError: true)!;
            var ring = assembly.GetType("DeviceRing", throwOnError: true)!;
            var regs = assembly.GetType("Regs", throwOnError: true)!;
            return cores.SelectMany(core => variants.Where(v => v.Exclusion(core) is null).Select(v => new Outcome(
                core.Id,
                v.Id,
                Reports(assembly.GetType($"FlowVariants.{core.Id}.{v.Id}.{Side.Defect}.Case", throwOnError: true)!, rule, desc, ring, regs),
                Reports(assembly.GetType($"FlowVariants.{core.Id}.{v.Id}.{Side.Twin}.Case", throwOnError: true)!, rule, desc, ring, regs)))).ToList();
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>True when running <paramref name="caseType"/>'s <c>Run</c> makes the debug layer report <paramref name="rule"/> on some input.</summary>
    private static bool Reports(Type caseType, string rule, Type desc, Type ring, Type regs)
    {
        var run = caseType.GetMethod("Run", BindingFlags.Public | BindingFlags.Instance)!;
        foreach (var (flag, n, length) in Inputs)
        {
            var machine = new Machine(new MachineOptions { Debug = DmaDebugMode.Collect });
            var device = machine.AddDevice(DeviceId.Parse("00:03.0"));
            var buffer = machine.Memory.Allocate(length);
            try
            {
                var result = run.Invoke(Activator.CreateInstance(caseType), [device, buffer, Array.CreateInstance(desc, 8), Activator.CreateInstance(ring, device), Activator.CreateInstance(regs), flag, n]);
                switch (result)
                {
                    case Task task: task.GetAwaiter().GetResult(); break;
                    case IEnumerable sequence: foreach (var _ in sequence) { } break;
                }
            }
            catch (TargetInvocationException)
            {
                // The throw variants throw on purpose (n < 0); what the debug layer saw before still counts.
            }
            catch (InvalidOperationException)
            {
                // An awaited async case's own exception (the throw variants), unwrapped by GetResult.
            }
            catch (ArgumentOutOfRangeException)
            {
                // Likewise for the guard-throw variant.
            }

            device.UnbindDriver();
            if (machine.Debug.Violations.Any(v => v.RuleId == rule))
            {
                return true;
            }
        }

        return false;
    }
}
