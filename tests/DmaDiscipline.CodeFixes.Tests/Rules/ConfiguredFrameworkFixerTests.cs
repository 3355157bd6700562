using Microsoft.CodeAnalysis.Testing;
using Check = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.MappingErrorCheckFixer>;
using Align = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.MismatchedUnmapOrSyncFixer>;
using Release = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.MappingNotReleasedFixer>;
using Sync = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.CpuAccessWhileDeviceOwnedFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Rules;

/// <summary>A framework other than the runtime, configured by a symbols file: the fixes call its own check and take its own map's arguments.</summary>
public sealed class ConfiguredFrameworkFixerTests
{
    private const string VendorHal = """
        namespace Vendor
        {
            public enum XferDirection { ToDevice, FromDevice }
            public readonly struct IoAddr { public IoAddr(ulong value) { Value = value; } public ulong Value { get; } }
            public sealed class Buf { public byte[] Data = new byte[64]; public ulong Phys => 0; }
            public sealed class Dma
            {
                public IoAddr Map(Buf buf, int length, XferDirection direction) => default;
                public void Unmap(IoAddr address, int length, XferDirection direction) { }
                public bool Failed(IoAddr address) => false;
                public void ToCpu(IoAddr address, int length, XferDirection direction) { }
                public void ToDev(IoAddr address, int length, XferDirection direction) { }
            }
            public sealed class Regs { public ulong QueueBase; }
        }

        """;

    private const string VendorSymbols = """
        T:Vendor.IoAddr ; bus-address
        P:Vendor.Buf.Phys ; physical-source
        F:Vendor.Regs.QueueBase ; bus-sink
        M:Vendor.Dma.Map(Vendor.Buf,System.Int32,Vendor.XferDirection) ; map
        M:Vendor.Dma.Unmap(Vendor.IoAddr,System.Int32,Vendor.XferDirection) ; unmap
        M:Vendor.Dma.Failed(Vendor.IoAddr) ; mapping-error-check
        M:Vendor.Dma.ToCpu(Vendor.IoAddr,System.Int32,Vendor.XferDirection) ; sync-for-cpu
        M:Vendor.Dma.ToDev(Vendor.IoAddr,System.Int32,Vendor.XferDirection) ; sync-for-device
        F:Vendor.Buf.Data ; cpu-access
        """;

    [Fact]
    public Task DMA003_inserts_the_frameworks_own_mapping_error_check() => Check.FixAsync(
        VendorHal + """
        class Driver
        {
            bool Post(Vendor.Dma dma, Vendor.Buf buf, Vendor.Regs regs)
            {
                var b = dma.Map(buf, 16, Vendor.XferDirection.ToDevice);
                regs.QueueBase = {|#0:b.Value|};
                return true;
            }
        }
        """,
        VendorHal + """
        class Driver
        {
            bool Post(Vendor.Dma dma, Vendor.Buf buf, Vendor.Regs regs)
            {
                var b = dma.Map(buf, 16, Vendor.XferDirection.ToDevice);
                if (dma.Failed(b))
                {
                    return false;
                }

                regs.QueueBase = b.Value;
                return true;
            }
        }
        """,
        new[] { Check.Diagnostic("DMA003").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        codeActionEquivalenceKey: null,
        symbolsFile: VendorSymbols,
        title: "Check the mapping with Failed");

    [Fact]
    public Task DMA004_aligns_the_frameworks_unmap_with_its_map() => Align.FixAsync(
        VendorHal + """
        class Driver
        {
            bool Send(Vendor.Dma dma, Vendor.Buf buf)
            {
                var a = dma.Map(buf, 64, Vendor.XferDirection.ToDevice);
                if (dma.Failed(a))
                {
                    return false;
                }

                dma.Unmap(a, {|#0:32|}, Vendor.XferDirection.ToDevice);
                return true;
            }
        }
        """,
        VendorHal + """
        class Driver
        {
            bool Send(Vendor.Dma dma, Vendor.Buf buf)
            {
                var a = dma.Map(buf, 64, Vendor.XferDirection.ToDevice);
                if (dma.Failed(a))
                {
                    return false;
                }

                dma.Unmap(a, 64, Vendor.XferDirection.ToDevice);
                return true;
            }
        }
        """,
        new[] { Align.Diagnostic("DMA004").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        codeActionEquivalenceKey: null,
        symbolsFile: VendorSymbols);

    [Fact]
    public Task DMA002_keeps_a_computed_length_in_a_local_the_unmap_passes_too() => Release.FixAsync(
        VendorHal + """
        class Driver
        {
            bool Send(Vendor.Dma dma, Vendor.Buf buf, Vendor.Regs regs, int len, bool runt)
            {
                var a = {|#0:dma.Map(buf, System.Math.Min(len, 64), Vendor.XferDirection.ToDevice)|};
                if (dma.Failed(a))
                {
                    return false;
                }

                if (runt)
                {
                    return false;
                }

                regs.QueueBase = a.Value;
                return true;
            }
        }
        """,
        VendorHal + """
        class Driver
        {
            bool Send(Vendor.Dma dma, Vendor.Buf buf, Vendor.Regs regs, int len, bool runt)
            {
                int aLength = System.Math.Min(len, 64);
                var a = dma.Map(buf, aLength, Vendor.XferDirection.ToDevice);
                if (dma.Failed(a))
                {
                    return false;
                }

                if (runt)
                {
                    dma.Unmap(a, aLength, Vendor.XferDirection.ToDevice);
                    return false;
                }

                regs.QueueBase = a.Value;
                return true;
            }
        }
        """,
        new[] { Release.Diagnostic("DMA002").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        codeActionEquivalenceKey: null,
        symbolsFile: VendorSymbols,
        title: "Unmap before leaving at line 28 (the map's length kept in 'aLength')");

    [Fact]
    public Task DMA005_keeps_a_computed_length_in_a_local_the_syncs_pass_too() => Sync.FixAsync(
        VendorHal + """
        class Driver
        {
            bool Fill(Vendor.Dma dma, Vendor.Buf buf, Vendor.Regs regs, int len)
            {
                var a = dma.Map(buf, System.Math.Min(len, 64), Vendor.XferDirection.ToDevice);
                if (dma.Failed(a))
                {
                    return false;
                }

                {|#0:buf.Data|}[0] = 1;
                regs.QueueBase = a.Value;
                return true;
            }
        }
        """,
        VendorHal + """
        class Driver
        {
            bool Fill(Vendor.Dma dma, Vendor.Buf buf, Vendor.Regs regs, int len)
            {
                int aLength = System.Math.Min(len, 64);
                var a = dma.Map(buf, aLength, Vendor.XferDirection.ToDevice);
                if (dma.Failed(a))
                {
                    return false;
                }

                dma.ToCpu(a, aLength, Vendor.XferDirection.ToDevice);
                buf.Data[0] = 1;
                dma.ToDev(a, aLength, Vendor.XferDirection.ToDevice);
                regs.QueueBase = a.Value;
                return true;
            }
        }
        """,
        new[] { Sync.Diagnostic("DMA005").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        codeActionEquivalenceKey: null,
        symbolsFile: VendorSymbols);

    [Fact]
    public Task DMA002_offers_nothing_when_keeping_the_length_first_would_reorder_the_map_calls_operands() => Release.FixAsync(
        VendorHal + """
        class Driver
        {
            int _next;

            Vendor.Buf Take() { _next++; return new Vendor.Buf(); }

            bool Send(Vendor.Dma dma, Vendor.Regs regs, int len, bool runt)
            {
                var a = {|#0:dma.Map(Take(), System.Math.Min(len, _next), Vendor.XferDirection.ToDevice)|};
                if (dma.Failed(a))
                {
                    return false;
                }

                if (runt)
                {
                    return false;
                }

                regs.QueueBase = a.Value;
                return true;
            }
        }
        """,
        VendorHal + """
        class Driver
        {
            int _next;

            Vendor.Buf Take() { _next++; return new Vendor.Buf(); }

            bool Send(Vendor.Dma dma, Vendor.Regs regs, int len, bool runt)
            {
                var a = {|#0:dma.Map(Take(), System.Math.Min(len, _next), Vendor.XferDirection.ToDevice)|};
                if (dma.Failed(a))
                {
                    return false;
                }

                if (runt)
                {
                    return false;
                }

                regs.QueueBase = a.Value;
                return true;
            }
        }
        """,
        new[] { Release.Diagnostic("DMA002").WithLocation(0) },
        new[] { Release.Diagnostic("DMA002").WithLocation(0) },
        codeActionEquivalenceKey: null,
        symbolsFile: VendorSymbols);
    [Fact]
    public Task DMA002_leaves_the_return_inside_the_frameworks_own_failure_check_alone() => Release.FixAsync(
        VendorHal + """
        class Driver
        {
            void Send(Vendor.Dma dma, Vendor.Buf buf, bool runt)
            {
                var a = {|#0:dma.Map(buf, 64, Vendor.XferDirection.ToDevice)|};
                if (dma.Failed(a))
                {
                    return;
                }

                dma.ToDev(a, 64, Vendor.XferDirection.ToDevice);
                if (runt)
                {
                    return;
                }
            }
        }
        """,
        VendorHal + """
        class Driver
        {
            void Send(Vendor.Dma dma, Vendor.Buf buf, bool runt)
            {
                var a = dma.Map(buf, 64, Vendor.XferDirection.ToDevice);
                if (dma.Failed(a))
                {
                    return;
                }

                dma.ToDev(a, 64, Vendor.XferDirection.ToDevice);
                if (runt)
                {
                    dma.Unmap(a, 64, Vendor.XferDirection.ToDevice);
                    return;
                }

                dma.Unmap(a, 64, Vendor.XferDirection.ToDevice);
            }
        }
        """,
        new[] { Release.Diagnostic("DMA002").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        codeActionEquivalenceKey: null,
        symbolsFile: VendorSymbols);

    [Fact]
    public Task DMA002_keeps_the_frameworks_own_failure_check_out_of_the_try() => Release.FixAsync(
        VendorHal + """
        class Driver
        {
            void Send(Vendor.Dma dma, Vendor.Buf buf, Vendor.Regs regs)
            {
                var a = {|#0:dma.Map(buf, 64, Vendor.XferDirection.ToDevice)|};
                if (dma.Failed(a))
                {
                    throw new System.InvalidOperationException("no mapping");
                }

                dma.ToDev(a, 64, Vendor.XferDirection.ToDevice);
                if (regs.QueueBase == 0)
                    throw new System.InvalidOperationException("device did not complete");
                System.Console.WriteLine("sent");
            }
        }
        """,
        VendorHal + """
        class Driver
        {
            void Send(Vendor.Dma dma, Vendor.Buf buf, Vendor.Regs regs)
            {
                var a = dma.Map(buf, 64, Vendor.XferDirection.ToDevice);
                if (dma.Failed(a))
                {
                    throw new System.InvalidOperationException("no mapping");
                }

                try
                {
                    dma.ToDev(a, 64, Vendor.XferDirection.ToDevice);
                    if (regs.QueueBase == 0)
                        throw new System.InvalidOperationException("device did not complete");
                    System.Console.WriteLine("sent");
                }
                finally
                {
                    dma.Unmap(a, 64, Vendor.XferDirection.ToDevice);
                }
            }
        }
        """,
        new[] { Release.Diagnostic("DMA002").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        codeActionEquivalenceKey: DmaDiscipline.CodeFixes.Rules.MappingNotReleasedFixer.TryFinallyKey,
        symbolsFile: VendorSymbols);
}
