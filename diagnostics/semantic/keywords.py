"""Words the compiler reserves, and names it knows without any include."""

from __future__ import annotations

KEYWORDS = frozenset(
    """
    acquire as assert break builtin case cast_to catch cellsof char const continue decl default
    defined delete do double else enum exit explicit false finally float for foreach forward
    funcenum functag function goto if implicit import in int int16 int32 int64 int8 interface
    intn let methodmap namespace native new null object operator package private property
    protected public readonly return sealed sizeof static stock struct switch this throw true
    try typedef typeof typeset uint16 uint32 uint64 uint8 uintn union using var view_as virtual
    void volatile while bool any Float String __nullable__ enumstruct
    """.split()
)
# Predefined by the compiler (sourcepawn's compiler: constants, macros and the `_` tag).
BUILTIN_NAMES = frozenset(
    """
    EOS cellmax cellmin cellbits charmax charmin ucharmax INVALID_FUNCTION __Pawn __LINE__ __DATE__
    __TIME__ __BINARY_PATH__ __BINARY_NAME__ __FILE_PATH__ __FILE_NAME__ debug _
    """.split()
)
