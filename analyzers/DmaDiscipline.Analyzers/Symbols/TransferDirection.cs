using System;
using System.Globalization;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// Which way a direction constant points, whatever enum spells it. The analysis numbers directions
    /// as the runtime's <c>DmaDirection</c> and Linux's <c>enum dma_data_direction</c> do; a configured
    /// framework's enum is read by its members' names, not its numbers, because its <c>ToDevice</c> may
    /// well be 0 (Linux's <c>DMA_BIDIRECTIONAL</c>).
    /// </summary>
    internal static class TransferDirection
    {
        public const long Bidirectional = 0;
        public const long ToDevice = 1;
        public const long FromDevice = 2;

        /// <summary>
        /// The direction the constant <paramref name="value"/> of <paramref name="type"/> names, or null
        /// when no member has that value or its name says none of the three (<c>None</c>, <c>In</c>, <c>Out</c>:
        /// in and out of what is not said).
        /// </summary>
        public static long? Of(ITypeSymbol? type, long value)
        {
            if (type is null || type.TypeKind != TypeKind.Enum)
            {
                return null;
            }

            long? found = null;
            foreach (var member in type.GetMembers())
            {
                if (member is IFieldSymbol { HasConstantValue: true, ConstantValue: { } constant } field
                    && Convert.ToInt64(constant, CultureInfo.InvariantCulture) == value)
                {
                    var named = OfName(field.Name);
                    if (named is null || (found is long earlier && earlier != named))
                    {
                        return null; // an alias that says something else, or a name that says nothing
                    }

                    found = named;
                }
            }

            return found;
        }

        /// <summary>The direction a member name says: <c>ToDevice</c>, <c>DMA_TO_DEVICE</c>, <c>FromDevice</c>, <c>Bidirectional</c>, <c>Both</c>.</summary>
        public static long? OfName(string name)
        {
            var word = name.Replace("_", string.Empty).ToUpperInvariant();
            if (word.Contains("BIDIRECTIONAL") || word == "BOTH" || word == "BIDI" || word.Contains("TOANDFROMDEVICE"))
            {
                return Bidirectional;
            }

            if (word.Contains("TODEVICE"))
            {
                return ToDevice;
            }

            return word.Contains("FROMDEVICE") ? FromDevice : null;
        }

        /// <summary>The name of the member of <paramref name="type"/> that says <paramref name="direction"/>, for messages.</summary>
        public static string NameIn(ITypeSymbol type, long direction)
        {
            foreach (var member in type.GetMembers())
            {
                if (member is IFieldSymbol { HasConstantValue: true } field && OfName(field.Name) == direction)
                {
                    return field.Name;
                }
            }

            return direction switch
            {
                ToDevice => "ToDevice",
                FromDevice => "FromDevice",
                _ => "Bidirectional",
            };
        }

        /// <summary>A member of the enum whose name says no direction (other than a <c>None</c>, which maps nothing), or null.</summary>
        public static string? Unreadable(ITypeSymbol type)
        {
            foreach (var member in type.GetMembers())
            {
                if (member is IFieldSymbol { HasConstantValue: true } field && OfName(field.Name) is null
                    && !string.Equals(field.Name.Replace("_", string.Empty), "None", StringComparison.OrdinalIgnoreCase)
                    && !field.Name.EndsWith("NONE", StringComparison.OrdinalIgnoreCase))
                {
                    return field.Name;
                }
            }

            return null;
        }
    }
}
