using System.Text;
using DmaDiscipline.Runner.Matrix;
using DmaDiscipline.CodeFixes.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.CodeFixes.Tests.FixedDriversRun;

/// <summary>
/// Every DMA code fix proven by running: a corpus of buggy virtio drivers written independently of the samples
/// (FixedDriversRun/Corpus, read as text) is analysed; each driver must fail in the scenario matrix as written;
/// then Fix All, and each code action the fixers register at each diagnostic (followed by Fix All of what remains),
/// must leave no DMA diagnostic, compile, and run clean through every scenario of <see cref="DriverMatrix"/> with the
/// debug layer on. Writes docs/fixed-drivers-run.md.
/// </summary>
public sealed class FixedDriversRunTests
{
    private static readonly string Root = FindRoot();
    private static readonly string CorpusFolder = Path.Combine(Root, "tests", "DmaDiscipline.CodeFixes.Tests", "FixedDriversRun", "Corpus");

    private const string GlobalUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.Linq;
        """;

    private static readonly CorpusDriver[] Corpus =
    {
        new("eth-loop", "Corpus.Net.EthLoop", new[] { "Net/EthLoop.cs" }, new[] { "DMA001" })
        {
            Defects = "net; physical addresses of CPU-filled TX pages and device-written RX pages assigned to a `[BusAddress]` descriptor field; bool failure style",
        },
        new("sector-pump", "Corpus.Blk.SectorPump", new[] { "Blk/SectorPump.cs" }, new[] { "DMA003", "DMA004" })
        {
            Defects = "blk; request struct holding the handles, one Bidirectional command page (CPU-filled header, device-written status); the data mapping is never checked, and the full-ring path unmaps the command page in the wrong direction; the queueing helper returns a negative errno",
        },
        new("disk-queue", "Corpus.Blk.DiskQueue", new[] { "Blk/DiskQueue.cs" }, new[] { "DMA002" })
        {
            Defects = "blk; the data as a scatter-gather list of sectors (MapSg, one descriptor per returned segment) beside a Bidirectional command buffer, throws on mapping failure; a full ring (reachable: the queue depth it reports exceeds what the ring holds) leaves the list mapped",
        },
        new("frame-relay", "Corpus.Net.FrameRelay", new[] { "Net/FrameRelay.cs" }, new[] { "DMA001", "DMA008" })
        {
            Defects = "net; a receive area of plain pages given to the device by physical address (VirtToPhys), and a transmit descriptor holding a DmaAddr forged from the physical address beside a proper mapping",
        },
        new("pinned-nic", "Corpus.Hal.PinnedNic", new[] { "Hal/PinnedNic.cs" }, new[] { "DMA002", "DMA005" })
        {
            FrameworkFiles = new[] { "Hal/MiniHal.cs" },
            SymbolsFile = "Hal/DmaDiscipline.txt",
            Defects = "net on MiniHal, a pin/unpin framework configured only through a symbols file (DmaDiscipline.txt); an empty frame returns with the transmit buffer pinned; the frame is copied in after the pin with no hand-over to the device; the header is scrubbed before the unpin",
        },
        new("tap-bridge", "Corpus.Net.TapBridge", new[] { "Net/TapBridge.cs" }, new[] { "DMA001" })
        {
            Defects = "net; physical addresses of host-side (CPU-filled) and wire-side (device-written) buffers, posted with descriptor flags read from static readonly fields, so nothing at the post says which way the device moves the bytes and each DMA001 fix offers every direction; in-flight buffers in dictionaries keyed by descriptor id",
            WrongAlternatives = new WrongAlternative[]
            {
                new("TopUp", "ToDevice, if the device only reads it", "the device writes the receive buffers: a ToDevice mapping is read-only to it where the IOMMU translates, a bounce buffer is not copied back, and the debug layer reports the write (DMA004)"),
                new("TrySend", "FromDevice, if the device only writes it", "the device reads the frame the CPU wrote: a FromDevice mapping is write-only to it where the IOMMU translates (a bounced copy happens to carry the bytes here)"),
            },
        },
        new("spool-nic", "Corpus.Net.SpoolNic", new[] { "Net/SpoolNic.cs" }, new[] { "DMA002", "DMA004", "DMA005" })
        {
            Defects = "net, synchronous transmit through one spool page mapped per frame for a computed length (`Math.Min(len, _spool.Length)`), so every fix that names the length must keep it in a local; the spool is mapped before the copy-break test and left mapped on the large-frame path; the frame is copied in after the map; the unmap names Bidirectional for a ToDevice map",
        },
        new("staged-disk", "Corpus.Blk.StagedDisk", new[] { "Blk/StagedDisk.cs" }, new[] { "DMA001" })
        {
            Defects = "blk, synchronous; each transfer staged through a list of small chunks posted one descriptor each, by physical address, in a counting loop, waited for in the same call, then copied out (read) or scrubbed (write): each DMA001 fix offers one MapSg over the list (preferred) or a per-chunk map whose unmap is not arranged",
            WrongAlternatives = new WrongAlternative[]
            {
                new("ReadChunks", "unmap not arranged", "every chunk stays mapped after the request: the runtime refuses to free a page a live mapping pins"),
                new("WriteChunks", "unmap not arranged", "every chunk stays mapped after the request: the runtime refuses to free a page a live mapping pins"),
            },
        },
    };

    [Fact]
    public Task Every_fix_alternative_leaves_the_corpus_drivers_clean_in_every_scenario() =>
        AbsorbedFailures.NoneAsync(FixAndRunCorpusDriversAsync);

    private async Task FixAndRunCorpusDriversAsync()
    {
        var failures = new List<string>();
        var reports = new List<DriverReport>();
        foreach (var driver in Corpus)
        {
            var mine = new List<string>();
            var report = await RunDriverAsync(driver, mine);
            reports.Add(report);
            if (driver.Gap is null)
            {
                failures.AddRange(mine);
                continue;
            }

            // A known gap: the driver must still be buggy as written, and its fixes must still fall short.
            failures.AddRange(mine.Where(m => m.Contains(" as written", StringComparison.Ordinal)));
            report.GapShown = mine.Any(m => !m.Contains(" as written", StringComparison.Ordinal));
            if (!report.GapShown)
            {
                failures.Add($"{driver.Name}: every fix now runs clean — the gap '{driver.Gap}' is closed; remove its mark.");
            }
        }

        WriteReport(reports);
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    private static async Task<DriverReport> RunDriverAsync(CorpusDriver driver, List<string> failures)
    {
        var framework = driver.FrameworkFiles.Length == 0 ? null
            : CorpusProject.CompileLibrary("Corpus.Framework." + driver.Name, driver.FrameworkFiles.Select(Read));
        var sources = driver.Files.Append("Shared/TinyRing.cs").Select(Read).Append(("GlobalUsings.g.cs", GlobalUsings)).ToList();
        var project = CorpusProject.Load("Corpus." + driver.Name.Replace('-', '_'), sources, driver.SymbolsFile is null ? null : File.ReadAllText(Path.Combine(CorpusFolder, driver.SymbolsFile)), framework);
        var report = new DriverReport(driver) { Original = await DriverTextAsync(project, driver) };
        var errors = await project.CompilerErrorsAsync();
        if (!errors.IsEmpty)
        {
            failures.Add($"{driver.Name} does not compile as written:\n" + string.Join("\n", errors));
            return report;
        }

        var before = await project.DmaDiagnosticsAsync();
        report.Before.AddRange(before.Select(Describe));
        foreach (var rule in driver.Rules.Where(r => !before.Any(d => d.Id == r)))
        {
            failures.Add($"{driver.Name}: the analyzers do not report {rule}, which the driver's defects break. Reported: {string.Join(", ", report.Before)}");
        }

        try
        {
            report.Buggy = await RunMatrixAsync(project, driver, driver.Name + " (as written)");
        }
        catch (Exception e)
        {
            failures.Add($"{driver.Name} as written crashes the matrix (a corpus driver must fail through faults, data or debug reports): {e}");
            return report;
        }

        if (!report.Buggy.Any(c => c.Failed && c.Expected is "Ok" or "refused"))
        {
            failures.Add($"{driver.Name} as written runs clean in every scenario: the corpus driver is not buggy at run time.\n" + Cells(report.Buggy));
        }

        // The variants: Fix All; then each action on offer at each diagnostic, with Fix All of what it leaves.
        var variants = new List<(string Label, WrongAlternative? Wrong, Task<(CorpusProject Project, int Passes)> Fixed)> { ("Fix All (preferred fixes)", null, project.FixAllAsync(bound: 6)) };
        var marked = new HashSet<WrongAlternative>();
        foreach (var diagnostic in before)
        {
            var method = MethodOf(diagnostic);
            foreach (var action in await project.ActionsAtAsync(diagnostic))
            {
                var wrong = driver.WrongAlternatives.FirstOrDefault(w => w.Method == method && action.Title.Contains(w.TitleSays, StringComparison.Ordinal));
                if (wrong is not null)
                {
                    marked.Add(wrong);
                }

                var applied = await project.ApplyAsync(action);
                var label = $"{Describe(diagnostic)} in {method} → “{action.Title}”";
                report.Alternatives.Add((diagnostic.Id, method, action.Title, label));
                variants.Add((label, wrong, applied.FixAllAsync(bound: 6)));
            }
        }

        foreach (var stale in driver.WrongAlternatives.Where(w => !marked.Contains(w)))
        {
            failures.Add($"{driver.Name}: no action titled with '{stale.TitleSays}' is offered in {stale.Method} any more; remove its mark as a wrong alternative.");
        }

        var byText = new Dictionary<string, VariantReport>(StringComparer.Ordinal);
        foreach (var (label, wrong, fixing) in variants)
        {
            var (fixedProject, passes) = await fixing;
            var text = await DriverTextAsync(fixedProject, driver);
            if (byText.TryGetValue(text, out var same))
            {
                same.Labels.Add(label);
                if (wrong is not null && same.Wrong is null)
                {
                    failures.Add($"{driver.Name}, {label}: marked wrong, yet it gives the same driver as “{same.Labels[0]}”.");
                }

                continue;
            }

            var variant = new VariantReport(label, passes, text) { Wrong = wrong };
            byText.Add(text, variant);
            report.Variants.Add(variant);
            var fixErrors = await fixedProject.CompilerErrorsAsync();
            var left = await fixedProject.DmaDiagnosticsAsync();
            variant.Left.AddRange(left.Select(Describe));
            if (!fixErrors.IsEmpty)
            {
                failures.Add($"{driver.Name}, {label}: the fixed driver does not compile:\n{string.Join("\n", fixErrors)}\n{text}");
                continue;
            }

            if (!left.IsEmpty)
            {
                failures.Add($"{driver.Name}, {label}: DMA diagnostics remain after the fixes: {string.Join("; ", variant.Left)}\n{text}");
            }

            try
            {
                variant.Cells = await RunMatrixAsync(fixedProject, driver, driver.Name + " (fixed)");
            }
            catch (Exception e)
            {
                // The matrix records what a driver reports through its interface; anything else (a throw from Dispose) is a crash.
                variant.Crash = e.GetType().Name + ": " + e.Message;
                if (wrong is null)
                {
                    failures.Add($"{driver.Name}, {label}: the fixed driver crashed the matrix: {e}\n{text}");
                }

                continue;
            }

            var bad = variant.Cells.Where(c => !c.AsExpected || (c.Expected == "Ok" && c.Failed)).ToList();
            if (wrong is not null)
            {
                if (bad.Count == 0)
                {
                    failures.Add($"{driver.Name}, {label}: marked wrong ({wrong.Why}), yet it runs clean in every scenario: the mark is stale or the run does not see the defect.\n{text}");
                }

                continue;
            }

            foreach (var cell in bad)
            {
                failures.Add($"{driver.Name}, {label}, in {cell.Scenario}: expected {cell.Expected}, got {cell.Summary}\n{text}");
            }
        }

        if (before.Length > 0 && report.Variants.Count > 0 && report.Variants[0].Passes > 1)
        {
            failures.Add($"{driver.Name}: Fix All took {report.Variants[0].Passes} passes; one must converge.");
        }

        return report;
    }

    private static async Task<IReadOnlyList<MatrixCell>> RunMatrixAsync(CorpusProject project, CorpusDriver driver, string row)
    {
        var context = await project.EmitAndLoadAsync();
        try
        {
            var type = context.Main.GetType(driver.TypeName, throwOnError: true)!;
            var external = ExternalDriver.FromType(row, type);
            var cells = new List<MatrixCell>();
            foreach (var scenario in DriverMatrix.ScenarioKeys)
            {
                try
                {
                    cells.Add(DriverMatrix.RunCell(scenario, external));
                }
                catch (InvalidOperationException e)
                {
                    // The runtime refused something outright (freeing a page a live mapping pins): a failure of this cell.
                    cells.Add(new MatrixCell { Scenario = scenario, Driver = row, Expected = "refused", Summary = "refused by the runtime (" + e.GetType().Name + ")", Failed = true, AsExpected = false });
                }
            }

            return cells;
        }
        finally
        {
            context.Unload();
        }
    }

    private static async Task<string> DriverTextAsync(CorpusProject project, CorpusDriver driver)
    {
        var text = new StringBuilder();
        foreach (var file in driver.Files)
        {
            var document = project.Project.Documents.Single(d => d.FilePath == Path.Combine(CorpusFolder, file));
            text.Append((await document.GetTextAsync()).ToString());
        }

        return text.ToString();
    }

    private static (string Path, string Text) Read(string file)
    {
        var path = Path.Combine(CorpusFolder, file);
        return (path, File.ReadAllText(path));
    }

    /// <summary>The method (or other member) the diagnostic is in.</summary>
    private static string MethodOf(Diagnostic diagnostic)
    {
        var node = diagnostic.Location.SourceTree?.GetRoot().FindNode(diagnostic.Location.SourceSpan);
        return node?.AncestorsAndSelf().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MemberDeclarationSyntax>().FirstOrDefault() switch
        {
            Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax method => method.Identifier.ValueText,
            Microsoft.CodeAnalysis.CSharp.Syntax.ConstructorDeclarationSyntax constructor => constructor.Identifier.ValueText,
            Microsoft.CodeAnalysis.CSharp.Syntax.PropertyDeclarationSyntax property => property.Identifier.ValueText,
            _ => "?",
        };
    }

    private static string Describe(Diagnostic diagnostic) =>
        $"{diagnostic.Id} at {Path.GetFileName(diagnostic.Location.SourceTree?.FilePath)}:{diagnostic.Location.GetLineSpan().StartLinePosition.Line + 1}";

    private static string Cells(IEnumerable<MatrixCell> cells) => string.Join("\n", cells.Select(c => $"  {c.Scenario}: expected {c.Expected}, got {c.Summary}"));

    private static void WriteReport(List<DriverReport> reports)
    {
        var scenarios = DriverMatrix.ScenarioKeys;
        var text = new StringBuilder();
        text.Append("# Every fix proven by running\n\n");
        text.Append("Generated by `FixedDriversRunTests` (tests/DmaDiscipline.CodeFixes.Tests/FixedDriversRun) — do not edit by hand; run\n");
        text.Append("`dotnet test tests/DmaDiscipline.CodeFixes.Tests -c Release` to regenerate it. The legacy samples' own\n");
        text.Append("before/after is in [fix-all-before-after.md](fix-all-before-after.md).\n\n");
        text.Append("The corpus (tests/DmaDiscipline.CodeFixes.Tests/FixedDriversRun/Corpus) is a set of small virtio-net and virtio-blk\n");
        text.Append("drivers written against the runtime's public API independently of the samples, each with defects the DMA rules\n");
        text.Append("flag. For each driver the test runs it as written through the runner's scenario matrix (`DriverMatrix`, debug layer\n");
        text.Append("on; it must fail somewhere), then applies Fix All (each site's preferred fix, through the fixers' FixAllProvider)\n");
        text.Append("and, separately, every code action the fixers register at every diagnostic followed by Fix All of what is left.\n");
        text.Append("Each result must compile, leave no DMA diagnostic, and run as a disciplined driver must: clean wherever the\n");
        text.Append("scenario expects `Ok` — except an alternative marked wrong for that driver, whose title must say what the fixer\n");
        text.Append("does not know (a direction offered “if the device only reads it”, an unmap “not arranged”) and which must then\n");
        text.Append("fail at run time: the report shows that failure as the expected outcome of choosing it. Variants that end in\n");
        text.Append("the same source are run once and listed together.\n\n");
        text.Append(Findings);
        PerRule(text, reports);
        foreach (var report in reports)
        {
            text.Append($"## {report.Driver.Name}\n\n");
            text.Append($"`{report.Driver.TypeName}` ({string.Join(", ", report.Driver.Files.Select(f => "Corpus/" + f))}): {report.Driver.Defects}.\n\n");
            text.Append($"Diagnostics as written: {(report.Before.Count == 0 ? "none" : string.Join(", ", report.Before))}.\n\n");
            if (report.Driver.Gap is not null)
            {
                text.Append($"**Known gap, not fixed yet**: {report.Driver.Gap}. The rows below show what the fixes leave.\n\n");
            }
            text.Append("| variant | expected | Fix All passes | left | ").Append(string.Join(" | ", scenarios)).Append(" |\n");
            text.Append("|---|---|---|---|").Append(string.Concat(scenarios.Select(_ => "---|"))).Append('\n');
            Row(text, "as written", "fails (the defects)", "", "", report.Buggy, scenarios);
            var crashes = new List<string>();
            foreach (var variant in report.Variants)
            {
                var expected = variant.Wrong is null ? "clean" : "**fails**: " + variant.Wrong.Why;
                var cells = variant.Crash is null ? variant.Cells : scenarios.Select(s => new MatrixCell { Scenario = s, Driver = report.Driver.Name, Summary = "crashed", Expected = "Ok", Failed = true, AsExpected = false }).ToList();
                Row(text, string.Join("<br>", variant.Labels), expected, variant.Passes.ToString(), variant.Left.Count == 0 ? "none" : string.Join(", ", variant.Left), cells, scenarios);
                if (variant.Crash is not null)
                {
                    crashes.Add($"> “{variant.Labels[0]}” crashed the matrix: {variant.Crash}\n");
                }
            }

            text.Append(crashes.Count == 0 ? string.Empty : "\n" + string.Join("\n", crashes));

            if (report.Variants.Count > 0)
            {
                text.Append("<details><summary>Fix All's diff</summary>\n\n```diff\n");
                text.Append(DmaDiscipline.CodeFixes.Tests.Acceptance.UnifiedDiff.Of("Corpus/" + string.Join("+", report.Driver.Files), report.Original, report.Variants[0].Text));
                text.Append("```\n\n</details>\n");
            }

            text.Append('\n');
        }

        File.WriteAllText(Path.Combine(Root, "docs", "fixed-drivers-run.md"), text.ToString());
    }

    /// <summary>What running the corpus found in the code fixes, and what was done about it (kept with the generator so the page stays whole).</summary>
    private const string Findings = """
        ## What running the fixes found

        - DMA001's request-state fix looked for the request's store only among the method's top-level statements: a loop
          that posts one buffer per round (a receive refill) got the map-only fix, and its pages leaked mappings until the
          runtime refused to free them. It now finds the store in the posting loop's own block and declares the request's
          list there (one list per round, not one shared by every round).
        - A request whose buffers are posted at several sites of one method (header, data, status) got map-only fixes at
          every site. The sites now share one request list: the first site's fix declares it and keeps it with the request
          state, the others add to it (Fix All in one pass and one-by-one fixes give the same code), and a later site's
          failure path releases what the earlier sites mapped.
        - Ways out of the posting method between the map and the store (`return false` when the ring is full, `break` out
          of a refill loop) leaked the request's mappings, and freeing the page there was refused by the runtime. The fix now
          releases the list at the start of each such path.
        - Concurrent fixers (several code actions computed at once, as an IDE does) raced in `FrameworkRoles.Register`
          and one threw; the registration is now done under a lock.
        - DMA005's fix left out the hand-back to the device when the next statement naming the mapping held an unmap —
          even an unmap on a failure branch (`if (post fails) { unpin; return false; }`): on the path that goes on, the
          device then read stale bytes from a bounce buffer (pinned-nic, dma32 and confidential). Only an unmap that is
          itself the next statement now counts. It also took the unmap for the next use when the statements in between
          named the mapping only outside a call's argument list — `d[0].Addr = h.Bus`, the address handed to the device —
          so the device could read a header the CPU had just written into a bounce buffer; any mention of the mapping now
          counts (CpuAccessWhileDeviceOwnedFixerTests; found while writing a corpus driver not yet added).
        - DMA002 and DMA005 fixes for a framework configured only through the symbols file (pinned-nic, on MiniHal) are
          proven here: its own unpin and hand-over methods, filled from the map call. A map length computed by a call
          (`Math.Min(len, max)`) used to get no fix and no word; the DMA002, DMA004 and DMA005 fixes now keep it in a local
          declared right before the map (evaluated once, in the call's own order) and say so in their titles
          (ConfiguredFrameworkFixerTests). spool-nic runs the DMA002 and DMA005 fixes with a kept length, together and
          apart. It also found a miss of the analyzer: an unmap whose length is the spool's size where the map's length
          was `Math.Min(len, _spool.Length)` is not DMA004 (lengths that are not constants are not compared, as the rule
          page says), while the debug layer reports it on every short frame; spool-nic's DMA004 is a direction instead.
        - Layout: a sync inserted before a statement set off by a blank line took the blank line away, and a coherent
          address with an offset assigned to a field got needless parentheses.
        - DMA003's inserted failure path released the method's other mappings but not its other resources (sector-pump's
          request slot stayed taken when that path ran). It now also does what the method's own first later failure path
          does for what was taken before the map (`_idle.Push(slot)`: statements naming nothing declared after the map),
          unmaps mappings made in blocks around the map too, and where there is no such path to learn from and the method
          called something before the map, its title says that anything else taken before the map is not released.
          A mapping failure does not happen in any scenario, so this path is shown by before/after tests, not by running.
        - DMA001's one-`MapSg` rewrite of a posting loop was withheld when a later loop ran over the list's buffers
          (staged-disk copies read data out of its chunks): a loop bound there counts buffers, not descriptors. Only the
          alternative, a per-buffer map whose unmap is not arranged, was offered, and it leaks. `MapSg` is now preferred there.
        - DMA002's alternative (release in a `finally`) was offered only when the method had no release of its own and
          never handed the handle on — so never in a driver, which gives the address to a descriptor. A synchronous
          driver (post, wait, unmap: spool-nic's transmit) is where it is the natural fix: it is now also offered when
          the method's only release ends the handle's life in the map's own block and the handle never outlives the
          method; that release moves into `finally` (title: "instead of at line N"), and a local read after it is
          declared before the `try`. spool-nic runs it clean.

        ## Where a rule fires and no fix is offered

        No fix is a choice the fixer makes when it cannot write a fix that is right; each case and its reason:

        | rule | shape | why no fix |
        |---|---|---|
        | DMA001 | the physical address comes from a configured source, a parameter, a field or a value carried across calls — not `b.PhysicalAddress` / `memory.VirtToPhys(b, …)` in the method | the buffer to map is not known where the address is used |
        | DMA001 | the buffer is already mapped in the method, but not with a handle usable there | a buffer is never mapped twice |
        | DMA001 | a `KBuffer` ring field whose uses are not all `Span`/`Length`/`IsFreed`/`PhysicalAddress.Value`/`Allocate`/`Free`/`VirtToPhys` | the coherent rewrite would leave a use it cannot translate |
        | DMA001 | the sink is in an expression-bodied member, a constructor, a lambda, an `async` method or an iterator; the address is not `….Value [+ offset]`; an offset with no length beside it | no statement to map before, no failure style, or no length to map |
        | DMA001 | no `DmaApi` reachable from the method (a field, a parameter, `device.Dma`) | nothing to map with |
        | DMA002 | the handle is not kept in a variable, or the method returns it | nothing to release with / the caller owns it |
        | DMA002, DMA004, DMA005 | the map length is computed and keeping it in a local would reorder the call's operands (an earlier argument or the receiver is not stable, the call is under `?:`/`&&`/a lambda, the length assigns) | evaluating it again could give another length (ConfiguredFrameworkFixerTests) |
        | DMA002, DMA003, DMA005 | a configured framework names no unmap, check or sync whose parameters the map call can fill | no call to write |
        | DMA003 | a check exists but its failure is ignored; an `async` method, an iterator or a lambda | which path was meant is not known; no failure style |
        | DMA004 | an informational DMA004 (a sync over a sub-range) | not a defect |
        | DMA008 | the forged address is not made from a buffer this method mapped (a constant, a value read back from the device) | no mapping to use |
        | DMA006, DMA007 | any | by design: the fix is a change of design (keep the address until the unmap; let the platform choose) |

        """;

    /// <summary>Every code action offered in the corpus as written, by rule: where, and what running the driver it makes gave.</summary>
    private static void PerRule(StringBuilder text, List<DriverReport> reports)
    {
        text.Append("## Per rule: every fix and alternative offered, and what running it gave\n\n");
        text.Append("Each action below was applied on its own at its diagnostic (then Fix All of what it left), compiled and run\n");
        text.Append("through every scenario. “clean”: every scenario that expects `Ok` passed. “fails, as its title warns”: an\n");
        text.Append("alternative that is wrong for this driver, whose title says what the fixer does not know; the driver section\n");
        text.Append("below shows where and how it fails.\n\n");
        text.Append("| rule | driver | method | fix offered | outcome |\n|---|---|---|---|---|\n");
        var rows = reports.SelectMany(r => r.Alternatives.Select(a => (Report: r, Alternative: a)))
            .OrderBy(x => x.Alternative.Rule, StringComparer.Ordinal);
        foreach (var (report, alternative) in rows)
        {
            var variant = report.Variants.FirstOrDefault(v => v.Labels.Contains(alternative.Label));
            var outcome = variant is null ? "not run"
                : variant.Crash is not null ? "crashed the matrix"
                : variant.Cells.Any(c => !c.AsExpected || (c.Expected == "Ok" && c.Failed))
                    ? (variant.Wrong is null ? "**fails** (not expected)" : "fails, as its title warns")
                    : variant.Wrong is null ? "clean" : "**clean** (marked wrong)";
            text.Append($"| {alternative.Rule} | {report.Driver.Name} | {alternative.Method} | {alternative.Title.Replace("|", "\\|")} | {outcome} |\n");
        }

        text.Append('\n');
    }

    private static void Row(StringBuilder text, string label, string expected, string passes, string left, IReadOnlyList<MatrixCell> cells, IReadOnlyList<string> scenarios)
    {
        text.Append("| ").Append(label.Replace("|", "\\|")).Append(" | ").Append(expected).Append(" | ").Append(passes).Append(" | ").Append(left).Append(" | ");
        text.Append(string.Join(" | ", scenarios.Select(s => cells.FirstOrDefault(c => c.Scenario == s) is { } cell
            ? cell.Summary + (cell.Expected == "Ok" && cell.Failed || !cell.AsExpected ? " ✗" : "")
            : "")));
        text.Append(" |\n");
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DmaDiscipline.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("DmaDiscipline.sln not found above " + AppContext.BaseDirectory);
    }

    private sealed class DriverReport
    {
        public DriverReport(CorpusDriver driver) => Driver = driver;

        public CorpusDriver Driver { get; }

        public List<string> Before { get; } = new();

        public string Original { get; init; } = string.Empty;

        public IReadOnlyList<MatrixCell> Buggy { get; set; } = Array.Empty<MatrixCell>();

        public List<VariantReport> Variants { get; } = new();

        /// <summary>Every code action offered at a diagnostic as written: rule, method, title.</summary>
        public List<(string Rule, string Method, string Title, string Label)> Alternatives { get; } = new();

        public bool GapShown { get; set; }
    }

    private sealed class VariantReport
    {
        public VariantReport(string label, int passes, string text)
        {
            Labels.Add(label);
            Passes = passes;
            Text = text;
        }

        public List<string> Labels { get; } = new();

        public int Passes { get; }

        public string Text { get; }

        public List<string> Left { get; } = new();

        public IReadOnlyList<MatrixCell> Cells { get; set; } = Array.Empty<MatrixCell>();

        public string? Crash { get; set; }

        /// <summary>Set when this variant is an alternative marked wrong for the driver (it must fail at run time).</summary>
        public WrongAlternative? Wrong { get; init; }
    }
}
