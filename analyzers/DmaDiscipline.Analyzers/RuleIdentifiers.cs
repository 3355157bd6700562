namespace DmaDiscipline.Analyzers
{
    /// <summary>The diagnostic ids; their meanings are fixed by DESIGN.md and shared with the runtime's debug layer.</summary>
    public static class RuleIdentifiers
    {
        public const string RawPhysicalAddressToDevice = "DMA001";
        public const string MappingNotReleased = "DMA002";
        public const string MappingErrorNotChecked = "DMA003";
        public const string MismatchedUnmapOrSync = "DMA004";
        public const string CpuAccessWhileDeviceOwned = "DMA005";
        public const string UseAfterUnmap = "DMA006";
        public const string DriverDecidesTranslation = "DMA007";
        public const string ForgedBusAddress = "DMA008";
        public const string InvalidSymbolsFileLine = "DMA900";
        public const string UnresolvedSymbolsFileEntry = "DMA901";
        public const string BodyNotAnalysed = "DMA902";
        public const string AddressBodyNotAnalysed = "DMA903";

        /// <summary>The help link of a rule: its page under docs/rules of the repository (RepositoryUrl in Directory.Build.props).</summary>
        public static string HelpLink(string id) =>
            Repository.Url + "/blob/" + Repository.Branch + "/docs/rules/" + id + ".md";
    }
}
