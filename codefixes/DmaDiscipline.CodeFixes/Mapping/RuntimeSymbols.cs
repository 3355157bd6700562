using Microsoft.CodeAnalysis;

namespace DmaDiscipline.CodeFixes.Mapping
{
    /// <summary>The runtime's DMA API names a fix writes code against, bound once per compilation by metadata name.</summary>
    internal sealed class RuntimeSymbols
    {
        public const string Namespace = "DmaDiscipline.Runtime";

        private RuntimeSymbols(Compilation compilation)
        {
            DmaApi = compilation.GetTypeByMetadataName(Namespace + ".DmaApi");
            DmaAddr = compilation.GetTypeByMetadataName(Namespace + ".DmaAddr");
            PhysAddr = compilation.GetTypeByMetadataName(Namespace + ".PhysAddr");
            KBuffer = compilation.GetTypeByMetadataName(Namespace + ".KBuffer");
            CoherentBuffer = compilation.GetTypeByMetadataName(Namespace + ".CoherentBuffer");
            PhysicalMemory = compilation.GetTypeByMetadataName(Namespace + ".PhysicalMemory");
            Direction = compilation.GetTypeByMetadataName(Namespace + ".DmaDirection");
            ScatterList = compilation.GetTypeByMetadataName(Namespace + ".ScatterList");
            Device = compilation.GetTypeByMetadataName(Namespace + ".Device");
        }

        public INamedTypeSymbol? DmaApi { get; }

        public INamedTypeSymbol? DmaAddr { get; }

        public INamedTypeSymbol? PhysAddr { get; }

        public INamedTypeSymbol? KBuffer { get; }

        public INamedTypeSymbol? CoherentBuffer { get; }

        public INamedTypeSymbol? PhysicalMemory { get; }

        public INamedTypeSymbol? Direction { get; }

        public INamedTypeSymbol? ScatterList { get; }

        public INamedTypeSymbol? Device { get; }

        public static RuntimeSymbols From(Compilation compilation) => new RuntimeSymbols(compilation);

        public bool IsDmaApiMethod(IMethodSymbol? method, string name) =>
            method is not null && method.Name == name && SymbolEqualityComparer.Default.Equals(method.ContainingType, DmaApi);

        public static bool Is(ITypeSymbol? type, INamedTypeSymbol? expected) =>
            type is not null && expected is not null && SymbolEqualityComparer.Default.Equals(type, expected);
    }
}
