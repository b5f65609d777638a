"""Operations on containers, and the state store they share."""
