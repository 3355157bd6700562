using System.Collections;
using System.Reflection;

namespace DmaDiscipline.CodeFixes.Tests.Acceptance;

/// <summary>One cell of the runner's matrix: scenario, driver row, the runner's own summary and verdicts.</summary>
public sealed record MatrixCell(string Scenario, string Driver, string Summary, bool Failed, bool AsExpected, string Expected);

/// <summary>
/// The runner's scenario matrix, driven through its own <c>ScenarioCatalog</c>, <c>DriverKind</c> and
/// <c>CellRunner</c> (fresh machine per cell, workload, teardown with unbind, faults and debug
/// violations collected). The runner exposes these as internal types, so they are reached by
/// reflection; a public "run this driver type in this scenario" hook would replace this file.
/// </summary>
public static class RunnerMatrix
{
    private static readonly Assembly Runner = Assembly.Load("DmaDiscipline.Runner");

    public static IReadOnlyList<string> ScenarioKeys => Scenarios().Select(s => (string)Get(s, "Key")).ToList();

    /// <summary>Runs the runner's own rows (by name, e.g. legacy-net) in every scenario.</summary>
    public static List<MatrixCell> RunCatalogDrivers(params string[] names)
    {
        var catalog = Type("DmaDiscipline.Runner.Scenario.DriverCatalog");
        var all = (IEnumerable)catalog.GetProperty("All", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        var drivers = all.Cast<object>().Where(d => names.Contains((string)Get(d, "Name"))).ToList();
        return Run(drivers);
    }

    /// <summary>
    /// Runs driver types from another assembly (the fixed legacy drivers) in every scenario as the
    /// disciplined family: what is expected of them is what is expected of a driver that uses the DMA API.
    /// </summary>
    public static List<MatrixCell> RunDrivers(params (string Name, string Device, Type DriverType)[] drivers)
    {
        var kindType = Type("DmaDiscipline.Runner.Scenario.DriverKind");
        var familyType = Type("DmaDiscipline.Runner.Scenario.DriverFamily");
        var deviceType = Type("DmaDiscipline.Runner.Scenario.DeviceKind");
        var probeType = kindType.GetProperty("Probe")!.PropertyType;
        var kinds = new List<object>();
        foreach (var (name, device, driverType) in drivers)
        {
            var probe = Delegate.CreateDelegate(probeType, new Prober(driverType), typeof(Prober).GetMethod(nameof(Prober.Probe))!);
            kinds.Add(Activator.CreateInstance(kindType, name, Enum.Parse(familyType, "Disciplined"), Enum.Parse(deviceType, device), "fixed by the DMA code fixes", probe)!);
        }

        return Run(kinds);
    }

    private static List<MatrixCell> Run(List<object> drivers)
    {
        var cellRunner = Type("DmaDiscipline.Runner.Matrix.CellRunner");
        var run = cellRunner.GetMethod("Run", BindingFlags.Public | BindingFlags.Static)!;
        var sizeType = Type("DmaDiscipline.Runner.Matrix.WorkloadSize");
        var size = sizeType.GetProperty("Test", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        var cells = new List<MatrixCell>();
        foreach (var driver in drivers)
        {
            foreach (var scenario in Scenarios())
            {
                var outcome = run.Invoke(null, new[] { scenario, driver, size, null })!;
                cells.Add(new MatrixCell(
                    (string)Get(scenario, "Key"),
                    (string)Get(driver, "Name"),
                    (string)Get(outcome, "Summary"),
                    (bool)Get(outcome, "Failed"),
                    (bool)Get(outcome, "AsExpected"),
                    Get(outcome, "Expected").ToString()!));
            }
        }

        return cells;
    }

    private static IEnumerable<object> Scenarios()
    {
        var catalog = Type("DmaDiscipline.Runner.Scenario.ScenarioCatalog");
        return ((IEnumerable)catalog.GetProperty("All", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!).Cast<object>();
    }

    private static Type Type(string name) => Runner.GetType(name, throwOnError: true)!;

    private static object Get(object instance, string property) => instance.GetType().GetProperty(property)!.GetValue(instance)!;

    /// <summary>Binds a driver type to a runner test-bed device: <c>new Driver(device, transport)</c>.</summary>
    private sealed class Prober
    {
        private readonly Type _driver;

        public Prober(Type driver) => _driver = driver;

        public IDisposable Probe(object bound, object scenario)
        {
            var device = Get(bound, "Device");
            var transport = Get(bound, "Transport");
            var constructor = _driver.GetConstructors().Single(c => c.GetParameters().Length >= 2);
            var arguments = constructor.GetParameters()
                .Select((p, i) => i == 0 ? device : i == 1 ? transport : p.HasDefaultValue ? p.DefaultValue : throw new InvalidOperationException($"{_driver.Name}: parameter {p.Name} has no default"))
                .ToArray();
            try
            {
                return (IDisposable)constructor.Invoke(arguments);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                // The runner records setup failures of the exception types it knows; keep the original one.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }
    }
}
