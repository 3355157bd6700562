using System.Collections.Generic;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// What <see cref="MappingFlow"/> sees while it runs over a callee to summarise it: each handle
    /// parameter (of a bus-address type, or a type parameter) enters as a mapping of its own, unchecked
    /// and owed; the returns, the exits and every step that takes, checks or uses a parameter's mapping
    /// are recorded; <see cref="Summary"/> says what a call does.
    /// </summary>
    internal sealed class MappingRecording
    {
        private readonly IMethodSymbol _method;
        private readonly Dictionary<MapSite, int> _parameterSites = new Dictionary<MapSite, int>();
        private readonly HashSet<MapSite> _touched = new HashSet<MapSite>();
        private readonly HashSet<MapSite> _used = new HashSet<MapSite>();
        private readonly HashSet<MapSite> _device = new HashSet<MapSite>();
        private readonly HashSet<MapSite> _stored = new HashSet<MapSite>();
        private readonly Dictionary<int, MadeMapping?> _outs = new Dictionary<int, MadeMapping?>();
        private readonly Dictionary<MapSite, bool> _releasedOnEveryExit = new Dictionary<MapSite, bool>();
        private readonly Dictionary<MapSite, bool> _releasedOnSomeExit = new Dictionary<MapSite, bool>();
        private int _returns;
        private int _exits;
        private MadeMapping? _made;
        private bool _allMade = true;
        private int _returnedParameter = -1;
        private bool _allReturnParameter = true;
        private int _checkOf = -1;
        private bool _checkNegated;
        private bool _allCheck = true;
        private int _tupleReturns;
        private int _yields;
        private MadeMapping? _yielded;
        private bool _allYielded = true;
        private Dictionary<int, MadeMapping>? _elements;

        public MappingRecording(IMethodSymbol method, IOperation body, DmaSymbols symbols)
        {
            _method = method;
            var state = MappingState.Empty;
            foreach (var parameter in method.Parameters)
            {
                if (parameter.RefKind == RefKind.Out || !(symbols.IsBusAddressType(parameter.Type) || parameter.Type.TypeKind == TypeKind.TypeParameter))
                {
                    continue;
                }

                var site = new MapSite(body, MappingKind.Streaming, null, null, null);
                _parameterSites[site] = parameter.Ordinal;
                state = state.WithSite(site, new SiteStatus(SiteFlags.Live | SiteFlags.NotReleased | SiteFlags.Unchecked, null, null));
                state = state.WithBindings(state.Bindings.SetItem(parameter, new HandleBinding(site)));
            }

            Entry = state;
        }

        /// <summary>The callee's entry state: its handle parameters bound to mappings of their own.</summary>
        public MappingState Entry { get; }

        public bool IsParameterSite(MapSite site) => _parameterSites.ContainsKey(site);

        /// <summary>
        /// A step that takes, checks or hands over the mapping of <paramref name="site"/> (if it is a
        /// parameter's); <paramref name="stored"/>: only stored (into a field, a descriptor, an out
        /// parameter), which hands over the release but not the check.
        /// </summary>
        public void Touched(MapSite site, bool stored = false)
        {
            if (_parameterSites.ContainsKey(site))
            {
                (stored ? _stored : _touched).Add(site);
            }
        }

        /// <summary>The mapping of <paramref name="site"/> reaches a device use (a sink, a sync, its number read) unchecked.</summary>
        public void Used(MapSite site)
        {
            if (_parameterSites.ContainsKey(site))
            {
                _used.Add(site);
            }
        }

        /// <summary>The mapping of <paramref name="site"/>, or its number, is given to a device-visible sink unchecked.</summary>
        public void ReachedDevice(MapSite site)
        {
            if (_parameterSites.ContainsKey(site))
            {
                _used.Add(site);
                _device.Add(site);
            }
        }

        /// <summary>A return gives <paramref name="value"/> (report pass only), in <paramref name="state"/> before it is handed over.</summary>
        public void Returned(Binding? value, MappingState state)
        {
            _returns++;
            var parameter = value is HandleBinding handle && _parameterSites.TryGetValue(handle.Site, out var ordinal) ? ordinal : -1;
            _allReturnParameter &= parameter >= 0 && (_returnedParameter < 0 || _returnedParameter == parameter);
            _returnedParameter = parameter;
            if (value is CheckBinding check && check.Others.Length == 0 && _parameterSites.TryGetValue(check.Site, out var checkedOrdinal)
                && (_checkOf < 0 || (_checkOf == checkedOrdinal && _checkNegated == check.Negated)))
            {
                _checkOf = checkedOrdinal;
                _checkNegated = check.Negated;
            }
            else
            {
                _allCheck = false;
                if (value is SiteBinding site)
                {
                    Touched(site.Site);
                }
            }

            var made = Made(value, state, mustBeLive: true);
            _made = made is null ? null : _made is null ? made : _made.Join(made);
            _allMade &= _made is not null;
        }

        /// <summary>A return gives a tuple literal whose elements are <paramref name="elements"/> (report pass only; <see cref="Returned"/> is told of the return too).</summary>
        public void ReturnedTuple(Binding?[] elements, MappingState state)
        {
            var made = new Dictionary<int, MadeMapping>();
            for (var i = 0; i < elements.Length; i++)
            {
                if (!(Made(elements[i], state, mustBeLive: true) is { } element))
                {
                    continue;
                }

                if (_elements is null)
                {
                    made[i] = element;
                }
                else if (_elements.TryGetValue(i, out var before) && before.Join(element) is { } joined)
                {
                    made[i] = joined;
                }
            }

            _elements = made;
            _tupleReturns++;
        }

        /// <summary>A <c>yield return</c> gives <paramref name="value"/> (report pass only).</summary>
        public void Yielded(Binding? value, MappingState state)
        {
            _yields++;
            var made = Made(value, state, mustBeLive: true);
            _yielded = made is null ? null : _yielded is null ? made : _yielded.Join(made);
            _allYielded &= _yielded is not null;
        }

        /// <summary>A path leaves the body normally (report pass only).</summary>
        public void Exit(MappingState state)
        {
            _exits++;
            foreach (var pair in _parameterSites)
            {
                var released = state.Sites.TryGetValue(pair.Key, out var status) && status.MustBeReleased;
                _releasedOnEveryExit[pair.Key] = released && (!_releasedOnEveryExit.TryGetValue(pair.Key, out var before) || before);
                _releasedOnSomeExit[pair.Key] = (status is not null && (status.Flags & SiteFlags.Released) != 0)
                    || (_releasedOnSomeExit.TryGetValue(pair.Key, out var some) && some);
            }

            foreach (var parameter in _method.Parameters)
            {
                if (parameter.RefKind != RefKind.Out && parameter.RefKind != RefKind.Ref)
                {
                    continue;
                }

                var made = state.Bindings.TryGetValue(parameter, out var binding) ? Made(binding, state, mustBeLive: false) : null;
                _outs[parameter.Ordinal] = _outs.TryGetValue(parameter.Ordinal, out var before) ? before is null || made is null ? null : before.Join(made) : made;
            }
        }

        /// <summary>The fresh mapping (of this body, not a parameter's) a value holds, if it holds one on every path.</summary>
        private MadeMapping? Made(Binding? value, MappingState state, bool mustBeLive)
        {
            switch (value)
            {
                case HandleBinding handle:
                    return Made(handle.Site, state, mustBeLive);
                case ChoiceBinding choice when !choice.Derived:
                    MadeMapping? joined = null;
                    foreach (var member in choice.Members)
                    {
                        var made = member.Stuck ? null : Made(member.Site, state, mustBeLive);
                        joined = made is null ? null : joined is null ? made : joined.Join(made);
                        if (joined is null)
                        {
                            return null;
                        }
                    }

                    return joined;
                default:
                    return null;
            }
        }

        private MadeMapping? Made(MapSite site, MappingState state, bool mustBeLive)
        {
            if (_parameterSites.ContainsKey(site) || site.Kind == MappingKind.ScatterGather || !state.Sites.TryGetValue(site, out var status)
                || (status.Flags & SiteFlags.Released) != 0 || (mustBeLive && (status.Flags & SiteFlags.Live) == 0))
            {
                return null;
            }

            var bufferOrdinal = -1;
            object? bufferKey = null;
            switch (site.BufferKey)
            {
                case IParameterSymbol parameter when SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, _method):
                    bufferOrdinal = parameter.Ordinal;
                    break;
                case ISymbol symbol when SymbolEqualityComparer.Default.Equals(symbol.ContainingSymbol, _method):
                    // The callee's own local: the caller cannot name it.
                    break;
                case ISymbol symbol:
                    // Captured from an enclosing body, or a field: the caller names it the same way.
                    bufferKey = symbol;
                    break;
            }

            return new MadeMapping(site.Kind, (status.Flags & (SiteFlags.Unchecked | SiteFlags.Failed)) != 0, status.Flags & SiteFlags.DeviceAccess,
                status.Length, status.Direction, bufferOrdinal, bufferKey);
        }

        /// <summary>What a call does, as the run saw it.</summary>
        public MappingSummary Summary()
        {
            var returnsParameter = _returns > 0 && _allReturnParameter ? _returnedParameter : -1;
            var checkOf = _returns > 0 && _allCheck ? _checkOf : -1;
            var parameters = new Dictionary<int, ParameterUse>();
            foreach (var pair in _parameterSites)
            {
                var site = pair.Key;
                var fate = pair.Value == returnsParameter ? ParameterFate.Returns
                    : _touched.Contains(site) || _exits == 0 ? ParameterFate.Takes
                    : _releasedOnEveryExit.TryGetValue(site, out var every) && every ? ParameterFate.Releases
                    : _releasedOnSomeExit.TryGetValue(site, out var some) && some ? ParameterFate.Takes
                    : _stored.Contains(site) ? ParameterFate.Stores
                    // Only a callee seen to use the handle keeps it with the caller; one that does nothing
                    // with it (a body left empty, code owned elsewhere) is taken to take it over, as before.
                    // A callee that only gives back its check (bool Failed(DmaAddr a) => dma.MappingError(a)) keeps it
                    // too: the caller decides on the result, and owes the check's outcome and the release.
                    : _used.Contains(site) || pair.Value == checkOf ? ParameterFate.Keeps
                    : ParameterFate.Takes;
                if (fate != ParameterFate.Takes || _device.Contains(site))
                {
                    parameters[pair.Value] = new ParameterUse(fate, _used.Contains(site), _device.Contains(site));
                }
            }

            var outs = new Dictionary<int, MadeMapping>();
            if (_exits > 0)
            {
                foreach (var pair in _outs)
                {
                    if (pair.Value is { } made)
                    {
                        outs[pair.Key] = made;
                    }
                }
            }

            var elements = _exits > 0 && _tupleReturns > 0 && _tupleReturns == _returns ? _elements : null;
            return new MappingSummary(_returns > 0 && _allMade ? _made : null, returnsParameter, checkOf, checkOf >= 0 && _checkNegated, outs, parameters, elements,
                _yields > 0 && _allYielded ? _yielded : null);
        }
    }
}
