using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// Switch statements: each section starts from the state after the switch value, the sections' breaks
/// meet after it, and a value matching no case (no default) goes past it. Followed over the operation
/// tree where the sections are constant cases and default (of any number), over the graph otherwise
/// (goto case, patterns, when clauses).
/// </summary>
public sealed class SwitchSectionTests
{
    [Fact]
    public Task A_mapping_leaked_in_one_case_arm_is_reported()
    {
        return Verify<MappingLifecycleAnalyzer>.Analyzer("""
            class D
            {
                void F(DmaApi dma, KBuffer buf, int mode, IRing ring)
                {
                    var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                    if (dma.MappingError(a)) return;
                    switch (mode)
                    {
                        case 0:
                            ring.Post(a, 64);
                            dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                            break;
                        case 1:
                        case 2:
                            // The unmap is forgotten here.
                            break;
                        default:
                            dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                            break;
                    }
                }
            }
            """);
    }

    [Fact]
    public Task Its_twin_releasing_in_every_arm_is_quiet()
    {
        return Verify<MappingLifecycleAnalyzer>.Analyzer("""
            class D
            {
                void F(DmaApi dma, KBuffer buf, int mode, IRing ring)
                {
                    var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);
                    if (dma.MappingError(a)) return;
                    switch (mode)
                    {
                        case 0:
                            ring.Post(a, 64);
                            dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                            break;
                        case 1:
                        case 2:
                            ring.Post(a, 64);
                            dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                            return;
                        default:
                            dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                            break;
                    }
                }
            }
            """);
    }

    [Fact]
    public Task Without_default_a_value_matching_no_case_goes_past_the_switch()
    {
        return Verify<MappingLifecycleAnalyzer>.Analyzer("""
            class D
            {
                void F(DmaApi dma, KBuffer buf, int mode)
                {
                    var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                    if (dma.MappingError(a)) return;
                    switch (mode)
                    {
                        case 0: dma.UnmapSingle(a, 64, DmaDirection.ToDevice); break;
                        case 1: dma.UnmapSingle(a, 64, DmaDirection.ToDevice); break;
                    }
                }
            }
            """);
    }

    [Fact]
    public Task The_sections_meet_after_the_switch_a_check_missing_in_one_is_reported_at_the_use_after_it()
    {
        return Verify<MappingLifecycleAnalyzer>.Analyzer("""
            class D
            {
                void F(DmaApi dma, KBuffer buf, string mode, IRing ring)
                {
                    var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);
                    switch (mode)
                    {
                        case "ring":
                            if (dma.MappingError(a)) return;
                            break;
                        case "late":
                            break;
                        default:
                            if (dma.MappingError(a)) throw new InvalidOperationException();
                            break;
                    }

                    ring.Post({|DMA003:a|}, 64);
                    dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                }
            }
            """);
    }

    [Fact]
    public Task The_sections_meet_after_the_switch_checked_in_every_one_is_quiet()
    {
        return Verify<MappingLifecycleAnalyzer>.Analyzer("""
            class D
            {
                void F(DmaApi dma, KBuffer buf, string mode, IRing ring)
                {
                    var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);
                    switch (mode)
                    {
                        case "ring":
                            if (dma.MappingError(a)) return;
                            break;
                        case "late":
                            if (dma.MappingError(a)) return;
                            break;
                        default:
                            if (dma.MappingError(a)) throw new InvalidOperationException();
                            break;
                    }

                    ring.Post(a, 64);
                    dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                }
            }
            """);
    }

    [Fact]
    public Task A_goto_case_is_followed_over_the_graph()
    {
        // The tree walk declines goto case; the graph follows case 1 into case 0, which keeps the mapping.
        return Verify<MappingLifecycleAnalyzer>.Analyzer("""
            class D
            {
                DmaAddr _kept;
                void F(DmaApi dma, KBuffer buf, int mode)
                {
                    var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                    if (dma.MappingError(a)) return;
                    switch (mode)
                    {
                        case 0: _kept = a; break;
                        case 1: goto case 0;
                        case 2: return;
                        default: dma.UnmapSingle(a, 64, DmaDirection.ToDevice); break;
                    }
                }
            }
            """);
    }

    [Fact]
    public Task A_switch_on_a_scatter_gather_count_is_its_check()
    {
        // case 0 is the failure: nothing is owed on it (the graph splits on the case's test).
        return Verify<MappingLifecycleAnalyzer>.Analyzer("""
            class D
            {
                int F(DmaApi dma, ScatterList list)
                {
                    var n = dma.MapSg(list, DmaDirection.ToDevice);
                    switch (n)
                    {
                        case 0: return 0;
                        default: dma.UnmapSg(list, DmaDirection.ToDevice); return n;
                    }
                }
            }
            """);
    }

    [Fact]
    public Task A_raw_physical_address_in_one_of_a_thousand_cases_is_reported()
    {
        // More than 2,000 blocks: the graph gives up, the tree walk follows the switch.
        return Verify<AddressProvenanceAnalyzer>.Analyzer(
            "class D\n{\n    int F(KBuffer buf, int mode, Regs regs)\n    {\n        var n = 0;\n        switch (mode)\n        {\n"
            + LargeBodies.SwitchSections(1000)
            + "            case 5000:\n                regs.QueueDesc = {|DMA001:buf.PhysicalAddress.Value|};\n                break;\n"
            + "        }\n        return n;\n    }\n}\n");
    }

    [Fact]
    public Task Its_twin_mapping_the_buffer_in_that_case_is_quiet()
    {
        return Verify<AddressProvenanceAnalyzer>.Analyzer(
            "class D\n{\n    int F(DmaApi dma, KBuffer buf, int mode, Regs regs)\n    {\n        var n = 0;\n        switch (mode)\n        {\n"
            + LargeBodies.SwitchSections(1000)
            + "            case 5000:\n                var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);\n                if (dma.MappingError(a)) break;\n                regs.QueueDesc = a.Value;\n                break;\n"
            + "        }\n        return n;\n    }\n}\n");
    }
}
