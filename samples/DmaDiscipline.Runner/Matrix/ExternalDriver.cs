using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Runtime.Virtio.Net;
using System.Reflection;
using System.Runtime.ExceptionServices;
using DmaDiscipline.Runner.Scenario;
using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Samples.Drivers.Virtio;

namespace DmaDiscipline.Runner.Matrix;

/// <summary>
/// A driver from outside the runner's catalogue — another assembly, or code compiled at run time
/// (the legacy drivers after the DMA code fixes) — to run through <see cref="DriverMatrix"/>. It is
/// bound to each device of a scenario the way the runner binds its own kernel drivers (a fresh
/// machine per cell, the device's virtio-mmio transport, unbind at teardown) and held to what the
/// scenarios expect of a disciplined driver: a driver that gets every bus address from the DMA API.
/// </summary>
public sealed class ExternalDriver
{
    private ExternalDriver(string name, DeviceKind device, Func<Device, VirtioMmioTransport, IDisposable> probe)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Kind = new DriverKind(name, DriverFamily.Disciplined, device, "external driver", (bound, _, _) => probe(bound.Device, bound.Transport));
    }

    /// <summary>Row name in the results.</summary>
    public string Name { get; }

    /// <summary>The runner's row for this driver.</summary>
    internal DriverKind Kind { get; }

    /// <summary>A virtio-net driver made by <paramref name="probe"/> for a device and its transport; it runs the loopback workload.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    public static ExternalDriver Net(string name, Func<Device, VirtioMmioTransport, INetDriver> probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        return new ExternalDriver(name, DeviceKind.Net, probe);
    }

    /// <summary>A virtio-blk driver made by <paramref name="probe"/> for a device and its transport; it runs the write-then-read workload.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    public static ExternalDriver Blk(string name, Func<Device, VirtioMmioTransport, IBlkDriver> probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        return new ExternalDriver(name, DeviceKind.Blk, probe);
    }

    /// <summary>
    /// A driver type with the samples' probe shape: it implements <see cref="INetDriver"/> or
    /// <see cref="IBlkDriver"/> and has a public constructor <c>(Device, VirtioMmioTransport, …)</c>
    /// whose further parameters have defaults. Each probe calls that constructor; an exception it
    /// throws reaches the cell as itself (a setup failure the matrix records), not wrapped.
    /// </summary>
    /// <exception cref="ArgumentException">The type does not have that shape.</exception>
    public static ExternalDriver FromType(string name, Type driverType)
    {
        ArgumentNullException.ThrowIfNull(driverType);
        ConstructorInfo constructor = driverType.GetConstructors().FirstOrDefault(IsProbeShaped)
            ?? throw new ArgumentException($"{driverType.Name} has no public constructor (Device, VirtioMmioTransport, …) whose other parameters have defaults.", nameof(driverType));
        object?[] defaults = constructor.GetParameters().Skip(2).Select(p => p.DefaultValue).ToArray();

        IDisposable Probe(Device device, VirtioMmioTransport transport)
        {
            try
            {
                return (IDisposable)constructor.Invoke([device, transport, .. defaults]);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }

        if (typeof(INetDriver).IsAssignableFrom(driverType))
        {
            return new ExternalDriver(name, DeviceKind.Net, Probe);
        }

        if (typeof(IBlkDriver).IsAssignableFrom(driverType))
        {
            return new ExternalDriver(name, DeviceKind.Blk, Probe);
        }

        throw new ArgumentException($"{driverType.Name} implements neither INetDriver nor IBlkDriver.", nameof(driverType));
    }

    private static bool IsProbeShaped(ConstructorInfo constructor)
    {
        ParameterInfo[] parameters = constructor.GetParameters();
        return parameters.Length >= 2
            && parameters[0].ParameterType == typeof(Device)
            && parameters[1].ParameterType == typeof(VirtioMmioTransport)
            && parameters.Skip(2).All(p => p.HasDefaultValue);
    }
}
