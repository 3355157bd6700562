namespace DmaDiscipline.FlowVariants.Generation;

/// <summary>Which side of a case a file holds.</summary>
public enum Side
{
    /// <summary>The flawed code: the rule must report it.</summary>
    Defect,

    /// <summary>The correct twin: the rule must stay quiet.</summary>
    Twin,
}

/// <summary>
/// Renders one side of one case as a C# file: a namespace of its own
/// (<c>FlowVariants.DMA002.c07.Defect</c>) with the case class, its <c>Run</c> method and whatever
/// the variant adds. Every file compiles against the runtime and <see cref="Prelude"/>.
/// </summary>
public static class CaseSource
{
    /// <summary>Device-side shapes every case uses, in the global namespace: a descriptor, a ring, a log, a disposable scope, a completion queue in device memory.</summary>
    public const string Prelude = """
        using DmaDiscipline.Runtime;

        public struct Desc { [BusAddress] public ulong Addr; public uint Len; public ushort Flags; }
        public interface IRing { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class Regs { public void Doorbell([BusAddress] ulong address) { } }
        public static class Log { public static void Info(string text) { } public static void Value(ulong value) { } }
        public sealed class Scope : System.IDisposable { public void Dispose() { } }
        public static class Completions { private static readonly byte[] s_entries = new byte[64]; [DeviceMemory] public static System.Span<byte> Entry => s_entries; }
        """;

    private const string Usings = "using System; using System.Collections.Generic; using System.Linq; using System.Threading.Tasks; using DmaDiscipline.Runtime;";

    /// <summary>The file name of a side of a case: <c>DMA002a/c07/Defect.cs</c>.</summary>
    public static string PathOf(DefectCore core, string variantId, Side side) => $"{core.Id}/{variantId}/{side}.cs";

    /// <summary>The source text of <paramref name="side"/> of <paramref name="variant"/> applied to <paramref name="core"/>.</summary>
    public static string Render(DefectCore core, Variant variant, Side side)
    {
        var flow = side == Side.Defect ? core.Defect : core.Twin;
        var code = variant.Render(flow);
        var (returns, leave) = code.Shape switch
        {
            MethodShape.Async => ("async Task", "return"),
            MethodShape.Iterator => ("IEnumerable<int>", "yield break"),
            _ => ("void", "return"),
        };
        var baseList = code.BaseType is null ? "" : " : " + code.BaseType;
        var text = $$"""
            {{Usings}}
            namespace FlowVariants.{{core.Id}}.{{variant.Id}}.{{side}}
            {
                public sealed partial class Case{{baseList}}
                {
                    private readonly Dictionary<int, DmaAddr> _inflight = new();
                    private int _head;
                    {{code.Members}}
                    public {{returns}} Run(Device device, KBuffer buf, Desc[] ring, IRing post, Regs regs, bool flag, int n)
                    {
                        var dma = device.Dma;
                        {{code.Body}}
                    }
                }
                {{code.Types}}
            }
            """;
        return text
            .Replace("$dma", "dma", StringComparison.Ordinal)
            .Replace("$ret", leave, StringComparison.Ordinal);
    }
}
