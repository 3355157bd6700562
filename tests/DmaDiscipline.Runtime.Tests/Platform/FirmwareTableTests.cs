namespace DmaDiscipline.Runtime.Tests.Platform;

/// <summary>The firmware's claim of IOMMU coverage (DMAR device scopes, INCLUDE_PCI_ALL).</summary>
public sealed class FirmwareTableTests
{
    [Fact]
    public void Parse_ReadsStatementsAndComments()
    {
        FirmwareTable table = FirmwareTable.Parse("""
            # a DMAR table with one scoped device
            covered 00:03.0
            excluded 00:04.0   # listed but excluded
            """);

        Assert.False(table.IncludeAll);
        Assert.True(table.Claims(Machines.Nic));
        Assert.False(table.Claims(Machines.Disk));
        Assert.False(table.Claims(Machines.Gpu));
    }

    [Fact]
    public void IncludeAll_ClaimsEveryDeviceButTheExcluded()
    {
        FirmwareTable table = FirmwareTable.Parse("include-all\nexcluded 00:04.0");

        Assert.True(table.Claims(Machines.Nic));
        Assert.True(table.Claims(Machines.Gpu));
        Assert.False(table.Claims(Machines.Disk));
    }

    [Theory]
    [InlineData("covered")]
    [InlineData("covered 00:99.0")]
    [InlineData("include-some")]
    public void Parse_RejectsMalformedLines_NamingTheLine(string line)
    {
        var error = Assert.Throws<FormatException>(() => FirmwareTable.Parse("include-all\n" + line));

        Assert.Contains("line 2", error.Message);
    }
}
