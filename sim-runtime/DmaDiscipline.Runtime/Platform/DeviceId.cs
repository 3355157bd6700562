using System.Globalization;

namespace DmaDiscipline.Runtime;

/// <summary>A PCI requester id, written bus:device.function (<c>00:03.0</c>): what the IOMMU keys its context table on.</summary>
public readonly record struct DeviceId : IComparable<DeviceId>
{
    /// <summary>Creates an id.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Device above 31 or function above 7.</exception>
    public DeviceId(byte bus, byte device, byte function)
    {
        if (device > 31)
        {
            throw new ArgumentOutOfRangeException(nameof(device), device, "A PCI device number is 0 to 31.");
        }

        if (function > 7)
        {
            throw new ArgumentOutOfRangeException(nameof(function), function, "A PCI function number is 0 to 7.");
        }

        Bus = bus;
        Device = device;
        Function = function;
    }

    /// <summary>Bus number.</summary>
    public byte Bus { get; }

    /// <summary>Device number (0–31).</summary>
    public byte Device { get; }

    /// <summary>Function number (0–7).</summary>
    public byte Function { get; }

    /// <summary>The 16-bit requester id (bus &lt;&lt; 8 | device &lt;&lt; 3 | function).</summary>
    public ushort RequesterId => (ushort)((Bus << 8) | (Device << 3) | Function);

    /// <summary>Parses <c>bb:dd.f</c> (hexadecimal, as lspci prints).</summary>
    /// <exception cref="FormatException">The text is not a valid id.</exception>
    public static DeviceId Parse(string text) =>
        TryParse(text, out DeviceId id) ? id : throw new FormatException($"'{text}' is not a PCI device id of the form bb:dd.f (for example 00:03.0).");

    /// <summary>Parses <c>bb:dd.f</c>; false on malformed text.</summary>
    public static bool TryParse(string? text, out DeviceId id)
    {
        id = default;
        if (text is null)
        {
            return false;
        }

        int colon = text.IndexOf(':');
        int dot = text.IndexOf('.');
        if (colon <= 0 || dot < colon + 2 || dot == text.Length - 1)
        {
            return false;
        }

        if (!byte.TryParse(text.AsSpan(0, colon), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte bus)
            || !byte.TryParse(text.AsSpan(colon + 1, dot - colon - 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte device)
            || !byte.TryParse(text.AsSpan(dot + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte function)
            || device > 31 || function > 7)
        {
            return false;
        }

        id = new DeviceId(bus, device, function);
        return true;
    }

    /// <inheritdoc />
    public int CompareTo(DeviceId other) => RequesterId.CompareTo(other.RequesterId);

    /// <inheritdoc />
    public override string ToString() => $"{Bus:x2}:{Device:x2}.{Function:x1}";
}
