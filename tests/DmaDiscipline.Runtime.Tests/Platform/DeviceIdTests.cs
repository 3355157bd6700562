namespace DmaDiscipline.Runtime.Tests.Platform;

/// <summary>Stable device ids: PCI requester ids written bus:device.function.</summary>
public sealed class DeviceIdTests
{
    [Theory]
    [InlineData("00:03.0", 0, 3, 0)]
    [InlineData("ff:1f.7", 0xff, 31, 7)]
    [InlineData("0a:10.2", 0x0a, 16, 2)]
    public void Parse_ReadsLspciNotation_AndToStringWritesItBack(string text, int bus, int device, int function)
    {
        DeviceId id = DeviceId.Parse(text);

        Assert.Equal(new DeviceId((byte)bus, (byte)device, (byte)function), id);
        Assert.Equal(text, id.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("00:03")]
    [InlineData("00.03:0")]
    [InlineData("00:20.0")] // device 32
    [InlineData("00:03.8")] // function 8
    [InlineData("100:03.0")]
    [InlineData("zz:03.0")]
    public void TryParse_RejectsMalformedIds(string? text)
    {
        Assert.False(DeviceId.TryParse(text, out _));
        if (text is not null)
        {
            Assert.Throws<FormatException>(() => DeviceId.Parse(text));
        }
    }

    [Fact]
    public void RequesterId_PacksBusDeviceFunction()
    {
        Assert.Equal(0x0119, new DeviceId(1, 3, 1).RequesterId);
    }

    [Fact]
    public void Constructor_RejectsDeviceAbove31AndFunctionAbove7()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeviceId(0, 32, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeviceId(0, 0, 8));
    }

    [Fact]
    public void Ids_OrderByRequesterId()
    {
        var ids = new[] { DeviceId.Parse("01:00.0"), DeviceId.Parse("00:1f.7"), DeviceId.Parse("00:00.1") };

        Assert.Equal(new[] { "00:00.1", "00:1f.7", "01:00.0" }, ids.Order().Select(i => i.ToString()));
    }
}
