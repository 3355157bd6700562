using System.Reflection;

namespace DmaDiscipline.Runtime.Tests.Hostile;

/// <summary>
/// What the hostile-caller tests assert after every attack: the answer was clear (a documented
/// exception type, naming the argument when it is about one; never an exception from deep inside),
/// and the machine is still whole (a correct map/unmap cycle works, nothing is left held).
/// </summary>
internal static class Hostile
{
    /// <summary>Exceptions that only a bug inside the runtime throws.</summary>
    public static readonly Type[] InternalErrors =
    [
        typeof(NullReferenceException), typeof(IndexOutOfRangeException), typeof(InvalidCastException),
        typeof(KeyNotFoundException), typeof(DivideByZeroException), typeof(OverflowException), typeof(ArithmeticException),
        typeof(ArrayTypeMismatchException), typeof(NotImplementedException), typeof(AccessViolationException),
        typeof(InsufficientExecutionStackException), typeof(StackOverflowException), typeof(OutOfMemoryException),
        typeof(System.Collections.Generic.KeyNotFoundException), typeof(FormatException),
    ];

    /// <summary>The exception types the runtime documents for a caller's mistake.</summary>
    public static readonly Type[] Documented =
    [
        typeof(ArgumentException), typeof(ArgumentNullException), typeof(ArgumentOutOfRangeException),
        typeof(InvalidOperationException), typeof(ObjectDisposedException), typeof(InsufficientMemoryException),
        typeof(DmaDebugException),
    ];

    /// <summary>
    /// The call is refused with exactly <typeparamref name="TException"/>, with a message, naming
    /// <paramref name="parameter"/> when one is given.
    /// </summary>
    public static TException Refuses<TException>(Action call, string? parameter = null)
        where TException : Exception
    {
        Exception? error = Record.Exception(call);
        Assert.NotNull(error);
        Assert.True(error is TException && error.GetType() == typeof(TException),
            $"expected {typeof(TException).Name}, got {error.GetType().Name}: {error.Message}\n{error.StackTrace}");
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        if (parameter is not null)
        {
            Assert.Equal(parameter, Assert.IsAssignableFrom<ArgumentException>(error).ParamName);
        }

        return (TException)error;
    }

    /// <summary>The call completes or throws one of the documented types; never an internal exception.</summary>
    public static Exception? NeverInternal(Action call, params Type[] allowed)
    {
        Exception? error = Record.Exception(call);
        if (error is TargetInvocationException { InnerException: { } inner })
        {
            error = inner;
        }

        if (error is null)
        {
            return null;
        }

        Type[] accepted = allowed.Length > 0 ? allowed : Documented;
        Assert.True(accepted.Contains(error.GetType()), $"{error.GetType().Name} escaped: {error.Message}\n{error.StackTrace}");
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        return error;
    }

    /// <summary>Counters of what a machine holds, to compare before and after an attack.</summary>
    public sealed record Held(int Allocations, int SlotsFree, long PresentPages, int IovaAllocated)
    {
        public static Held Of(Machine machine, Device? device = null)
        {
            IommuDomain? domain = device?.Domain;
            bool translated = domain is { Kind: DomainKind.Translated };
            return new Held(
                machine.Memory.LiveAllocations,
                machine.Swiotlb?.SlotsFree ?? 0,
                translated ? domain!.PresentPages : 0,
                translated ? domain!.Iova!.Allocated : 0);
        }
    }

    /// <summary>
    /// The device still works: a buffer mapped for the device is read back byte for byte through
    /// its bus, synced and unmapped, and afterwards the machine holds what it held before.
    /// </summary>
    public static void StillWorks(Machine machine, Device device)
    {
        device.Domain?.Flush();
        Held before = Held.Of(machine, device);
        Cycle(machine, device);
        device.Domain?.Flush();
        Assert.Equal(before, Held.Of(machine, device));
    }

    /// <summary>One correct map, device read, sync and unmap of a fresh buffer (safe while other threads work on the machine).</summary>
    public static void Cycle(Machine machine, Device device)
    {
        byte[] pattern = Machines.Pattern(3000, 0x5a);
        KBuffer buffer = machine.Buffer(pattern);
        DmaAddr address = device.Dma.MapSingle(buffer, 0, pattern.Length, DmaDirection.ToDevice);
        Assert.False(device.Dma.MappingError(address), "a correct mapping failed after the attack");
        Assert.Equal(pattern, device.DeviceRead(address, pattern.Length));
        device.Dma.SyncForCpu(address, pattern.Length, DmaDirection.ToDevice);
        device.Dma.SyncForDevice(address, pattern.Length, DmaDirection.ToDevice);
        device.Dma.UnmapSingle(address, pattern.Length, DmaDirection.ToDevice);
        machine.Memory.Free(buffer);
    }

    /// <summary>A thread that must finish within a generous bound (a hang detector, not a timing assertion).</summary>
    public static void Finishes(Action action, string what, int seconds = 60)
    {
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                error = e;
            }
        }) { IsBackground = true };
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(seconds)), $"{what} did not finish: a hang");
        if (error is not null)
        {
            throw new Xunit.Sdk.XunitException($"{what} threw {error.GetType().Name}: {error.Message}\n{error.StackTrace}");
        }
    }
}
