using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>DMA002: a streaming mapping or coherent buffer is not released (nor handed over) on some path, explicit throws included.</summary>
public sealed class DMA002MappingNotReleasedTests
{
    private static Task Check(string source) => Verify<MappingLifecycleAnalyzer>.Analyzer(source);

    [Theory]
    // An early return on a success path skips the unmap.
    [InlineData("""
        class D
        {
            bool F(DmaApi dma, KBuffer buf, bool ready)
            {
                var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice)|};
                if (dma.MappingError(a)) return false;
                if (!ready) return false;
                dma.UnmapSingle(a, 64, DmaDirection.FromDevice);
                return true;
            }
        }
        """)]
    // An explicit throw between map and unmap, no finally.
    [InlineData("""
        class D
        {
            void F(DmaApi dma, KBuffer buf, int length)
            {
                var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                if (dma.MappingError(a)) return;
                if (length > 64) throw new ArgumentOutOfRangeException(nameof(length));
                dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
            }
        }
        """)]
    // The handle is thrown away.
    [InlineData("""
        class D { void F(DmaApi dma, KBuffer buf) { {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}; } }
        """)]
    // A coherent buffer that is neither freed nor kept.
    [InlineData("""
        class D { void F(DmaApi dma) { var c = {|DMA002:dma.AllocCoherent(4096)|}; c.Span.Clear(); } }
        """)]
    // Unmapped on one branch only.
    [InlineData("""
        class D
        {
            void F(DmaApi dma, KBuffer buf, bool done)
            {
                var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                if (dma.MappingError(a)) return;
                if (done) dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
            }
        }
        """)]
    // Released only when something throws.
    [InlineData("""
        class D
        {
            static void Work() { }
            void F(DmaApi dma, KBuffer buf)
            {
                var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                if (dma.MappingError(a)) return;
                try { Work(); }
                catch { dma.UnmapSingle(a, 64, DmaDirection.ToDevice); throw; }
            }
        }
        """)]
    // The failed check is only logged; the success path leaks.
    [InlineData("""
        class D
        {
            void F(DmaApi dma, KBuffer buf)
            {
                var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                if (dma.MappingError(a)) Log.Info("mapping failed");
            }
        }
        """)]
    // Scatter-gather mapped, never unmapped.
    [InlineData("""
        class D
        {
            void F(DmaApi dma, ScatterList sg)
            {
                var n = {|DMA002:dma.MapSg(sg, DmaDirection.ToDevice)|};
                if (n == 0) return;
                Log.Info("mapped");
            }
        }
        """)]
    // Leaving a loop with break skips the unmap.
    [InlineData("""
        class D
        {
            void F(DmaApi dma, KBuffer buf, Func<bool> stop)
            {
                while (true)
                {
                    var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                    if (dma.MappingError(a)) continue;
                    if (stop()) break;
                    dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                }
            }
        }
        """)]
    // A switch case returns early.
    [InlineData("""
        class D
        {
            int F(DmaApi dma, KBuffer buf, int mode)
            {
                var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                if (dma.MappingError(a)) return -1;
                switch (mode)
                {
                    case 0: return 0;
                    default: dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return 1;
                }
            }
        }
        """)]
    // Inside a lambda.
    [InlineData("""
        class D { Action F(DmaApi dma, KBuffer buf) => () => { var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}; }; }
        """)]
    // A coherent buffer leaked on an error path.
    [InlineData("""
        class D
        {
            private CoherentBuffer? _ring;
            void F(DmaApi dma, bool ok)
            {
                var c = {|DMA002:dma.AllocCoherent(4096)|};
                if (!ok) return;
                _ring = c;
            }
        }
        """)]
    // Logging the address does not hand the mapping over.
    [InlineData("""
        class D
        {
            void F(DmaApi dma, KBuffer buf)
            {
                var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                if (dma.MappingError(a)) return;
                Console.WriteLine(a);
                Log.Info($"mapped at {a}");
            }
        }
        """)]
    // Printing its number does not either: the base library's output-only types keep nothing, whatever the overload.
    [InlineData("class D { void F(DmaApi dma, KBuffer buf) { var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}; if (dma.MappingError(a)) return; Console.WriteLine(a.Value); } }")]
    [InlineData("class D { void F(DmaApi dma, KBuffer buf) { var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}; if (dma.MappingError(a)) return; System.Diagnostics.Trace.WriteLineIf(a.Value != 0, \"mapped\"); System.Diagnostics.Debug.Assert(a.Value != 0); } }")]
    // Two mappings, the second leaks.
    [InlineData("""
        class D
        {
            void F(DmaApi dma, KBuffer header, KBuffer payload)
            {
                var h = dma.MapSingle(header, 0, 16, DmaDirection.ToDevice);
                var p = {|DMA002:dma.MapSingle(payload, 0, 512, DmaDirection.ToDevice)|};
                dma.UnmapSingle(h, 16, DmaDirection.ToDevice);
            }
        }
        """)]
    // A local given the handle by ?: still names it: that is no hand-over (the graph assigns the local it captured first).
    [InlineData("""
        class D
        {
            void F(DmaApi dma, KBuffer buf, bool log)
            {
                var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                if (dma.MappingError(a)) return;
                DmaAddr shown = default;
                shown = log ? a : shown;
                try { Console.WriteLine(shown.Value); } catch (InvalidOperationException) { }
            }
        }
        """)]
    // Releasing one of two handles through a ?: choice: the other one leaks, and which is not known.
    [InlineData("""
        class D
        {
            void F(DmaApi dma, KBuffer buf, bool first)
            {
                var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                if (dma.MappingError(a)) return;
                var b = {|DMA002:dma.MapSingle(buf, 64, 64, DmaDirection.ToDevice)|};
                if (dma.MappingError(b)) { dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return; }
                var done = first ? a : b;
                dma.UnmapSingle(done, 64, DmaDirection.ToDevice);
            }
        }
        """)]
    public Task Reported(string source) => Check(source);

    [Theory]
    // Unmapped on every path.
    [InlineData("""
        class D
        {
            bool F(DmaApi dma, KBuffer buf, bool ready)
            {
                var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice);
                if (dma.MappingError(a)) return false;
                if (!ready) { dma.UnmapSingle(a, 64, DmaDirection.FromDevice); return false; }
                dma.UnmapSingle(a, 64, DmaDirection.FromDevice);
                return true;
            }
        }
        """)]
    // Unmapped in finally, even when the body throws.
    [InlineData("""
        class D
        {
            void F(DmaApi dma, KBuffer buf, int length)
            {
                var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);
                if (dma.MappingError(a)) return;
                try
                {
                    if (length > 64) throw new ArgumentOutOfRangeException(nameof(length));
                }
                finally
                {
                    dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                }
            }
        }
        """)]
    // Stored in a field and unmapped elsewhere.
    [InlineData("""
        class D
        {
            private DmaAddr _rx;
            void Post(DmaApi dma, KBuffer buf) { _rx = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); }
            void Complete(DmaApi dma) { dma.UnmapSingle(_rx, 64, DmaDirection.FromDevice); }
        }
        """)]
    // Stored in an array of in-flight mappings.
    [InlineData("""
        class D
        {
            private readonly DmaAddr[] _inflight = new DmaAddr[8];
            void F(DmaApi dma, KBuffer buf, int slot) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; _inflight[slot] = a; }
        }
        """)]
    // Added to a collection.
    [InlineData("""
        class D
        {
            private readonly List<DmaAddr> _pending = new();
            void F(DmaApi dma, KBuffer buf) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; _pending.Add(a); }
        }
        """)]
    // Added to a collection of objects: a generic collection keeps what it is given, whatever its element type.
    [InlineData("""
        class D
        {
            private readonly List<object> _pending = new();
            void F(DmaApi dma, KBuffer buf) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; _pending.Add(a); }
        }
        """)]
    // Returned to the caller.
    [InlineData("""
        class D { DmaAddr F(DmaApi dma, KBuffer buf) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); return a; } }
        """)]
    // Passed on to code that owns it from now on.
    [InlineData("""
        class D
        {
            static void Track(DmaAddr address, int length) { }
            void F(DmaApi dma, KBuffer buf) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; Track(a, 64); }
        }
        """)]
    // A failed mapping holds nothing.
    [InlineData("""
        class D
        {
            bool F(DmaApi dma, KBuffer buf)
            {
                var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);
                if (dma.MappingError(a)) return false;
                dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                return true;
            }
        }
        """)]
    // A coherent ring kept by the driver.
    [InlineData("""
        class D { private CoherentBuffer? _ring; void F(DmaApi dma) { _ring = dma.AllocCoherent(4096); } }
        """)]
    // A coherent buffer freed in finally.
    [InlineData("""
        class D
        {
            void F(DmaApi dma, Action<CoherentBuffer> use)
            {
                var c = dma.AllocCoherent(4096);
                try { c.Span.Clear(); }
                finally { dma.FreeCoherent(c); }
            }
        }
        """)]
    // Scatter-gather: a zero count is a failure, otherwise unmapped.
    [InlineData("""
        class D
        {
            void F(DmaApi dma, ScatterList sg)
            {
                if (dma.MapSg(sg, DmaDirection.ToDevice) == 0) return;
                dma.UnmapSg(sg, DmaDirection.ToDevice);
            }
        }
        """)]
    // Unmapped in the catch and on the normal path.
    [InlineData("""
        class D
        {
            static void Work() { }
            void F(DmaApi dma, KBuffer buf)
            {
                var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);
                if (dma.MappingError(a)) return;
                try { Work(); }
                catch { dma.UnmapSingle(a, 64, DmaDirection.ToDevice); throw; }
                dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
            }
        }
        """)]
    // The address written into a descriptor: the ring owns the mapping until completion.
    [InlineData("""
        class D
        {
            private readonly Desc[] _ring = new Desc[8];
            void F(DmaApi dma, KBuffer buf, int slot) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; _ring[slot].Addr = a.Value; }
        }
        """)]
    // Released by a completion callback that captures it.
    [InlineData("""
        class D
        {
            private readonly List<Action> _completions = new();
            void F(DmaApi dma, KBuffer buf) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; _completions.Add(() => dma.UnmapSingle(a, 64, DmaDirection.ToDevice)); }
        }
        """)]
    // Throwing on a failed mapping owes nothing.
    [InlineData("""
        class D
        {
            DmaAddr F(DmaApi dma, KBuffer buf)
            {
                var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);
                if (dma.MappingError(a)) throw new InvalidOperationException("no IOVA space");
                return a;
            }
        }
        """)]
    // Returned inside a tuple.
    [InlineData("""
        class D { (DmaAddr, int) F(DmaApi dma, KBuffer buf) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); return (a, 64); } }
        """)]
    // Its number given to a library method that may keep it (written into memory a descriptor lives in): a transfer,
    // unlike printing it.
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, nint desc) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; System.Runtime.InteropServices.Marshal.WriteInt64(desc, (long)a.Value); } }")]
    public Task NotReported(string source) => Check(source);

    [Theory]
    // Remapped on the short path (the first released): whichever mapping addr holds is stored.
    [InlineData("""
        class D
        {
            private DmaAddr _slot;
            bool F(DmaApi dma, KBuffer big, KBuffer small, bool isShort)
            {
                var addr = dma.MapSingle(big, 0, 4096, DmaDirection.ToDevice);
                if (dma.MappingError(addr)) return false;
                if (isShort)
                {
                    dma.UnmapSingle(addr, 4096, DmaDirection.ToDevice);
                    addr = dma.MapSingle(small, 0, 64, DmaDirection.ToDevice);
                    if (dma.MappingError(addr)) return false;
                }
                _slot = addr;
                return true;
            }
        }
        """)]
    // The same join, then returned.
    [InlineData("""
        class D
        {
            DmaAddr F(DmaApi dma, KBuffer buf, bool isShort)
            {
                DmaAddr addr;
                if (isShort) addr = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);
                else addr = dma.MapSingle(buf, 0, 4096, DmaDirection.ToDevice);
                return addr;
            }
        }
        """)]
    // Mapped in either arm, checked and written into the ring once after the join.
    [InlineData("""
        class D
        {
            private readonly Desc[] _ring = new Desc[8];
            bool F(DmaApi dma, KBuffer buf, bool isShort, int slot)
            {
                DmaAddr addr;
                if (isShort) addr = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);
                else addr = dma.MapSingle(buf, 0, 4096, DmaDirection.ToDevice);
                if (dma.MappingError(addr)) return false;
                _ring[slot].Addr = addr.Value;
                return true;
            }
        }
        """)]
    // Either mapping, released through the variable that holds it.
    [InlineData("""
        class D
        {
            static void Work() { }
            void F(DmaApi dma, KBuffer buf, bool isShort)
            {
                DmaAddr addr;
                if (isShort) addr = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);
                else addr = dma.MapSingle(buf, 0, 4096, DmaDirection.ToDevice);
                if (dma.MappingError(addr)) return;
                Work();
                dma.UnmapSingle(addr, isShort ? 64 : 4096, DmaDirection.ToDevice);
            }
        }
        """)]
    // A ?: of two maps, returned.
    [InlineData("""
        class D
        {
            DmaAddr F(DmaApi dma, KBuffer a, KBuffer b, bool big) { return big ? dma.MapSingle(a, 0, 4096, DmaDirection.ToDevice) : dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); }
        }
        """)]
    // A ?: of two maps, stored and passed on.
    [InlineData("""
        class D
        {
            private DmaAddr _slot;
            static void Track(DmaAddr address) { }
            void F(DmaApi dma, KBuffer a, KBuffer b, bool big)
            {
                _slot = big ? dma.MapSingle(a, 0, 4096, DmaDirection.ToDevice) : dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
                Track(big ? dma.MapSingle(a, 0, 4096, DmaDirection.ToDevice) : dma.MapSingle(b, 0, 64, DmaDirection.ToDevice));
            }
        }
        """)]
    // A switch expression of maps, returned.
    [InlineData("""
        class D
        {
            DmaAddr F(DmaApi dma, KBuffer buf, int kind)
            {
                var addr = kind switch
                {
                    0 => dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice),
                    1 => dma.MapSingle(buf, 0, 512, DmaDirection.ToDevice),
                    _ => dma.MapSingle(buf, 0, 4096, DmaDirection.ToDevice),
                };
                return addr;
            }
        }
        """)]
    // A switch-expression-bodied method.
    [InlineData("""
        class D
        {
            DmaAddr F(DmaApi dma, KBuffer buf, int kind) => kind switch
            {
                0 => dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice),
                _ => dma.MapSingle(buf, 0, 4096, DmaDirection.ToDevice),
            };
        }
        """)]
    public Task Joined_handles_handed_over_together(string source) => Check(source);

    [Theory]
    // The first mapping is overwritten without a release on the short path: it leaks there.
    [InlineData("""
        class D
        {
            private DmaAddr _slot;
            bool F(DmaApi dma, KBuffer big, KBuffer small, bool isShort)
            {
                var addr = {|DMA002:dma.MapSingle(big, 0, 4096, DmaDirection.ToDevice)|};
                if (dma.MappingError(addr)) return false;
                if (isShort)
                {
                    addr = dma.MapSingle(small, 0, 64, DmaDirection.ToDevice);
                    if (dma.MappingError(addr)) return false;
                }
                _slot = addr;
                return true;
            }
        }
        """)]
    // One of two live mappings stored through a ?: choice: the other leaks on each path.
    [InlineData("""
        class D
        {
            private DmaAddr _slot;
            void F(DmaApi dma, KBuffer buf, bool first)
            {
                var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                if (dma.MappingError(a)) return;
                var b = {|DMA002:dma.MapSingle(buf, 64, 64, DmaDirection.ToDevice)|};
                if (dma.MappingError(b)) { dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return; }
                _slot = first ? a : b;
            }
        }
        """)]
    // A ?: of two maps, only logged.
    [InlineData("""
        class D
        {
            void F(DmaApi dma, KBuffer a, KBuffer b, bool big)
            {
                var addr = big ? {|DMA002:dma.MapSingle(a, 0, 4096, DmaDirection.ToDevice)|} : {|DMA002:dma.MapSingle(b, 0, 64, DmaDirection.ToDevice)|};
                Console.WriteLine(addr);
            }
        }
        """)]
    // Either mapping, checked through the variable, and the success path leaks it.
    [InlineData("""
        class D
        {
            bool F(DmaApi dma, KBuffer buf, bool isShort, bool ready)
            {
                DmaAddr addr;
                if (isShort) addr = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                else addr = {|DMA002:dma.MapSingle(buf, 0, 4096, DmaDirection.ToDevice)|};
                if (dma.MappingError(addr)) return false;
                if (!ready) return false;
                dma.UnmapSingle(addr, isShort ? 64 : 4096, DmaDirection.ToDevice);
                return true;
            }
        }
        """)]
    public Task Joined_handles_still_owed(string source) => Check(source);

    [Fact]
    public Task Leak_in_a_loop_names_an_exit_after_the_map() =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(
            """
            class D
            {
                void F(DmaApi dma, KBuffer buf, int n, int limit, bool skip)
                {
                    for (var i = 0; i < n; i++)
                    {
                        if (i == limit) return;
                        var a = {|#0:dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice)|};
                        if (dma.MappingError(a)) return;
                        if (skip) continue;
                        if (i == n - 1) return;
                        dma.UnmapSingle(a, 64, DmaDirection.FromDevice);
                    }
                }
            }
            """,
            Verify<MappingLifecycleAnalyzer>.Diagnostic("DMA002").WithLocation(0)
                .WithOptions(Microsoft.CodeAnalysis.Testing.DiagnosticOptions.IgnoreAdditionalLocations)
                .WithArguments("streaming mapping", "line 14"));

    [Fact]
    public Task Leak_reached_only_above_the_map_says_so() =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(
            """
            class D
            {
                void F(DmaApi dma, KBuffer buf, Func<bool> more, bool skip)
                {
                    while (more())
                    {
                        var a = {|#0:dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice)|};
                        if (dma.MappingError(a)) throw new InvalidOperationException();
                        if (skip) continue;
                        dma.UnmapSingle(a, 64, DmaDirection.FromDevice);
                    }
                }
            }
            """,
            Verify<MappingLifecycleAnalyzer>.Diagnostic("DMA002").WithLocation(0)
                .WithOptions(Microsoft.CodeAnalysis.Testing.DiagnosticOptions.IgnoreAdditionalLocations)
                .WithArguments("streaming mapping", "line 8 on a later pass of the loop"));

    [Fact]
    public Task Leak_names_the_exit() =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(
            """
            class D
            {
                void F(DmaApi dma, KBuffer buf, bool ready)
                {
                    var a = {|#0:dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice)|};
                    if (dma.MappingError(a)) return;
                    if (!ready) return;
                    dma.UnmapSingle(a, 64, DmaDirection.FromDevice);
                }
            }
            """,
            Verify<MappingLifecycleAnalyzer>.Diagnostic("DMA002").WithLocation(0)
                .WithOptions(Microsoft.CodeAnalysis.Testing.DiagnosticOptions.IgnoreAdditionalLocations)
                .WithArguments("streaming mapping", "line 10"));
}
