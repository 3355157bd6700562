using System.Text.Json;
using System.Text.Json.Serialization;

namespace DmaDiscipline.Runner.Matrix;

/// <summary>The run as JSON, for machines: every cell with its measurements and verdict.</summary>
internal static class JsonReport
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Serializes the report.</summary>
    public static string Serialize(MatrixReport report) => JsonSerializer.Serialize(
        new
        {
            exitCode = report.ExitCode,
            unexpected = report.Unexpected.Select(c => new { c.Scenario, c.Driver }).ToList(),
            cells = report.Cells.Select(c => new
            {
                c.Scenario,
                c.Driver,
                c.Family,
                c.Expected,
                outcome = c.Summary,
                c.AsExpected,
                c.Failed,
                c.Attempted,
                c.Completed,
                c.DataErrors,
                c.Faults,
                c.FaultReasons,
                c.Violations,
                c.Error,
                c.WallSeconds,
                c.Throughput,
                c.CpuSeconds,
                c.CpuThroughput,
                c.Unit,
                ratioToPassthrough = report.RatioToPassthrough(c),
                cpuRatioToPassthrough = report.CpuRatioToPassthrough(c),
                c.IotlbHitRate,
                c.BounceBytes,
                c.LockContentions,
                c.CpuMicrosecondsPerOp,
                c.AllocatedBytes,
                c.AllocatedBytesPerOp,
                gen0Collections = c.Collections[0],
                gen1Collections = c.Collections[1],
                gen2Collections = c.Collections[2],
                c.GcPauseSeconds,
                c.VoluntarySwitches,
                c.InvoluntarySwitches,
            }).ToList(),
        },
        Options);
}
