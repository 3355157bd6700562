using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// Which callees and fields can lead a value on to a device-visible sink, by the words of their declarations (the
    /// summary generator's gates, <see cref="Symbols.AddressCarriers.SinkBoundNames"/>: supersets). A path through a
    /// call whose word is not one of the sink words, or a store into a field that is not a bound name, reaches no sink
    /// there, so <see cref="AddressSummaries"/> does not follow it (nor summarise the bodies behind it). Asked only of a
    /// callee the caller gives no device memory: a store through device memory it is given is a sink the words do not show.
    /// </summary>
    internal sealed class SinkReach
    {
        private readonly HashSet<string> _sinkWords;
        private readonly HashSet<string> _bound;

        /// <param name="sinkWords">The call names of the members that may give a device-visible sink a parameter.</param>
        /// <param name="bound">The names of the fields, properties and methods whose value may reach one.</param>
        public SinkReach(HashSet<string> sinkWords, HashSet<string> bound)
        {
            _sinkWords = sinkWords;
            _bound = bound;
        }

        /// <summary>Can a call shown by this word give a device-visible sink an argument?</summary>
        public bool MayGive(string callWord) => _sinkWords.Contains(callWord);

        /// <summary>Can what is stored into the field (an auto-property's backing field: the property) reach a device-visible sink?</summary>
        public bool MayHold(IFieldSymbol field) => _bound.Contains((field.AssociatedSymbol ?? field).Name);

        /// <summary>
        /// The word a call of the method shows, as the sink words hold it: its name; its type's for a constructor, an operator, a
        /// conversion or an indexer's setter; a property's for its setter. Null for a function declared in a body (a lambda, a
        /// local function), an explicit interface implementation, an accessor other than a setter: no word of theirs is gated.
        /// </summary>
        public static string? CallWord(IMethodSymbol method) => method.MethodKind switch
        {
            MethodKind.Ordinary or MethodKind.ReducedExtension => method.Name,
            MethodKind.Constructor or MethodKind.UserDefinedOperator or MethodKind.Conversion => method.ContainingType?.Name,
            MethodKind.PropertySet when method.AssociatedSymbol is IPropertySymbol property => property.IsIndexer ? method.ContainingType?.Name : property.Name,
            _ => null,
        };
    }
}
