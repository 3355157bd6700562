using System.Collections.Generic;
using System.Linq;
using System.Threading;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.CodeFixes.Mapping
{
    /// <summary>
    /// A call of a configured framework's DMA method (unmap, mapping-error check, sync) about one mapping,
    /// written from the map call: the method with the role is looked for beside the map method (same type);
    /// its parameters are filled by what they are — the handle (the map's return type), the length and the
    /// direction (recognised as the rules recognise them), or an argument of the map call of the same type
    /// (the device, the context). Any parameter it cannot fill means no call, so no fix.
    /// </summary>
    internal static class RoleCall
    {
        public static string? Build(SemanticModel model, MapCall map, DmaRole role, string handle, CancellationToken cancellationToken)
        {
            var symbols = FrameworkRoles.For(model.Compilation, cancellationToken);
            var type = map.Method.ContainingType;
            foreach (var candidate in type.GetMembers().OfType<IMethodSymbol>())
            {
                if ((symbols.RolesOf(candidate) & role) == 0 || candidate.IsStatic != map.Method.IsStatic)
                {
                    continue;
                }

                var arguments = new List<string>();
                foreach (var parameter in candidate.Parameters)
                {
                    var argument = Fill(model, map, parameter, handle, symbols, cancellationToken);
                    if (argument is null)
                    {
                        arguments = null;
                        break;
                    }

                    arguments.Add(argument);
                }

                if (arguments is null)
                {
                    continue;
                }

                var target = candidate.IsStatic ? type.ToDisplayString() : map.Receiver.WithoutTrivia().ToString();
                return $"{target}.{candidate.Name}({string.Join(", ", arguments)})";
            }

            return null;
        }

        private static string? Fill(SemanticModel model, MapCall map, IParameterSymbol parameter, string handle, DmaSymbols symbols, CancellationToken cancellationToken)
        {
            if (SymbolEqualityComparer.Default.Equals(parameter.Type, map.Method.ReturnType))
            {
                return handle;
            }

            if (DmaSymbols.IsLengthParameter(parameter))
            {
                return map.LengthText;
            }

            if (symbols.IsDirectionType(parameter.Type))
            {
                return map.Direction?.WithoutTrivia().ToString();
            }

            foreach (var mapParameter in map.Method.Parameters)
            {
                if (SymbolEqualityComparer.Default.Equals(mapParameter.Type, parameter.Type) && map.Argument(mapParameter.Name) is { } same
                    && Editing.Stable.IsStable(model, same, map.Statement, cancellationToken))
                {
                    return same.WithoutTrivia().ToString();
                }
            }

            return null;
        }
    }
}
